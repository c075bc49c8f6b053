"""Fetching feeds and pages over HTTP(S) with httpx, with timeouts.

feedparser can download URLs itself but has no timeout, so one stalled
server would hang a cron job forever.  Here no step of a fetch (connecting,
waiting for the server, each read) may take longer than ``timeout`` seconds,
the body must be read in full within ``timeout`` seconds of the start (so a
server dribbling bytes cannot hold a run either), the body is capped at
:data:`MAX_BYTES`, and the bytes are handed to the readers.  A
fetch that fails (DNS, refused connection, timeout, an HTTP error status)
becomes one error record and the run goes on.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from email.message import Message
from typing import TYPE_CHECKING

from .readers import InputRecord

if TYPE_CHECKING:
    from .state import PollState

__all__ = ["read_url", "MAX_BYTES", "USER_AGENT"]

log = logging.getLogger("clustertags")

#: Largest response body read; feeds and articles are far smaller.
MAX_BYTES = 50 * 1024 * 1024


def _user_agent() -> str:
    from .. import __version__

    return f"clustertags/{__version__} (feed tagger; python-httpx)"


USER_AGENT = _user_agent()

_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
    "html": "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
}


class _FetchError(Exception):
    pass


def _charset(content_type: str) -> str | None:
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    return msg.get_content_charset()


def _download(url: str, headers: dict[str, str], timeout: float) -> tuple[int, str, dict[str, str], bytes]:
    """``(status, reason, headers, body)``; raises httpx errors or :class:`_FetchError`."""
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True, headers=headers) as client:
        with client.stream("GET", url) as response:
            chunks: list[bytes] = []
            size = 0
            if 200 <= response.status_code < 300:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise _FetchError(
                            f"the response is larger than {MAX_BYTES // (1024 * 1024)} MB; download it and tag the file"
                        )
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline passed while downloading")
                    chunks.append(chunk)
            return response.status_code, response.reason_phrase, dict(response.headers), b"".join(chunks)


def _failed(url: str, message: str) -> InputRecord:
    return InputRecord(url, None, fields={"source": url}, error=message)


def read_url(
    url: str,
    *,
    input_format: str = "auto",
    timeout: float = 20.0,
    state: PollState | None = None,
    text_field: str = "text",
    id_field: str = "id",
) -> Iterator[InputRecord]:
    """Records of the feed, page or file at ``url``.

    With a ``state``, the request is conditional on the ETag and
    Last-Modified of the copy last read in full: an unchanged feed (HTTP
    304) gives no records, and a changed one only its new entries.
    """
    import httpx

    from .sources import read_stream

    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT.get(input_format, "*/*")}
    if state is not None:
        headers.update(state.conditional_headers(url))
    try:
        status, reason, response_headers, body = _download(url, headers, timeout)
    except httpx.TimeoutException:
        yield _failed(url, f"timed out after {timeout:g} s; retry later or raise --timeout")
        return
    except httpx.InvalidURL as exc:
        yield _failed(url, f"invalid URL ({exc}); check it")
        return
    except httpx.HTTPError as exc:
        yield _failed(url, f"cannot fetch: {exc or type(exc).__name__}; check the URL and the network")
        return
    except _FetchError as exc:
        yield _failed(url, str(exc))
        return
    if status == 304:
        log.info("%s: not modified since the last run", url)
        return
    if not 200 <= status < 300:
        yield _failed(url, f"HTTP {status} {reason}; check the URL")
        return
    content_type = response_headers.get("content-type", "")
    yield from read_stream(
        io.BytesIO(body),
        url,
        input_format=input_format,
        text_field=text_field,
        id_field=id_field,
        charset=_charset(content_type),
        content_type=content_type,
        state=state,
        validators=(response_headers.get("etag"), response_headers.get("last-modified")),
    )
