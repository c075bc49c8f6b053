"""Where records come from: files, standard input and URLs, in any input format.

Gzip is recognised by its first two bytes, whatever the file is called.
``auto`` guesses the format from the name and the first bytes (for a URL,
also from the ``Content-Type``); pass ``input_format`` when it guesses wrong.
"""

from __future__ import annotations

import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING

from .readers import InputRecord, maybe_gunzip, read_jsonl, read_text

if TYPE_CHECKING:
    from .state import PollState

__all__ = ["iter_inputs", "guess_format", "read_stream", "FORMATS"]

#: Input formats, ``auto`` first.
FORMATS = ("auto", "text", "jsonl", "feed", "html")

_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf)[\s>]")
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|article|section)[\s>/]")
_CONTENT_TYPES = (
    ("rss", "feed"),
    ("atom", "feed"),
    ("rdf", "feed"),
    ("html", "html"),
    ("json", "jsonl"),
    ("text/plain", "text"),
)


def guess_format(head: bytes, name: str = "", content_type: str = "") -> str:
    """Guess ``jsonl``, ``feed``, ``html`` or ``text`` from a name, a media type and the first bytes.

    A telling file extension wins, then a telling media type, then the
    content: a JSON object first means JSON Lines, an ``<rss>``, ``<feed>``
    or ``<rdf:RDF>`` root a feed, HTML tags a page, anything else text.

    >>> guess_format(b'<?xml version="1.0"?>\\n<rss version="2.0">')
    'feed'
    >>> guess_format(b'{"id": 1, "text": "\\xe5\\xb7\\xa5\\xe5\\xa0\\xb4"}')
    'jsonl'
    """
    lower = name.lower().split("?", 1)[0].removesuffix(".gz")
    if lower.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    if lower.endswith((".rss", ".atom", ".rdf")):
        return "feed"
    if lower.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lower.endswith(".txt"):
        return "text"
    media = content_type.split(";", 1)[0].strip().lower()
    for marker, fmt in _CONTENT_TYPES:
        if marker in media:
            return fmt
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].lower()
    if start.startswith(b"{"):
        return "jsonl"
    if _FEED_ROOT.search(start):
        return "feed"
    if start.startswith(b"<") and _HTML_TAG.search(start):
        return "html"
    return "text"


def _head(stream: IO[bytes]) -> bytes:
    """The first bytes of ``stream`` without consuming them (what is buffered: never blocks for more)."""
    peek = getattr(stream, "peek", None)
    return peek(4096)[:4096] if peek is not None else b""


def read_stream(
    stream: IO[bytes],
    name: str,
    *,
    input_format: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    charset: str | None = None,
    content_type: str = "",
    state: PollState | None = None,
    validators: tuple[str | None, str | None] = (None, None),
) -> Iterator[InputRecord]:
    """Records of one binary stream (gzip or not) in ``input_format``.

    ``charset`` and ``content_type`` come from HTTP headers when the stream
    is a download.  With a ``state``, feed entries already tagged are
    skipped and ``validators`` (ETag, Last-Modified) are remembered once the
    new ones are written.
    """
    if input_format not in FORMATS:
        raise ValueError(f"unknown input format {input_format!r}; expected one of {', '.join(FORMATS)}")
    stream = maybe_gunzip(stream)
    fmt = input_format if input_format != "auto" else guess_format(_head(stream), name, content_type)
    if fmt == "jsonl":
        yield from read_jsonl(stream, source=name, text_field=text_field, id_field=id_field)
    elif fmt == "text":
        yield from read_text(stream, source=name)
    elif fmt == "feed":
        from .feeds import filter_seen, read_feed_bytes

        records = read_feed_bytes(stream.read(), source=name, charset=charset)
        if state is not None:
            records = filter_seen(records, state, name, etag=validators[0], last_modified=validators[1])
        yield from records
    else:
        from .html import read_html_bytes

        yield from read_html_bytes(stream.read(), source=name, charset=charset)


def iter_inputs(
    inputs: Sequence[str],
    *,
    input_format: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    timeout: float = 20.0,
    state: PollState | None = None,
) -> Iterator[InputRecord]:
    """Records from each input in turn: files, ``-`` for standard input, or http(s) URLs.

    An input that cannot be opened or fetched becomes one error record.
    With a :class:`~clustertags.io.state.PollState`, unchanged feeds are not
    downloaded again and entries already tagged are skipped; the caller
    reports each record it has written with :meth:`PollState.written`.
    """
    if isinstance(inputs, (str, bytes)):
        raise TypeError("iter_inputs expects a list of file names or URLs, got a single string; wrap it in a list")
    if input_format not in FORMATS:
        raise ValueError(f"unknown input format {input_format!r}; expected one of {', '.join(FORMATS)}")
    for name in inputs or ["-"]:
        if name.startswith(("http://", "https://")):
            from .fetch import read_url

            yield from read_url(
                name, input_format=input_format, timeout=timeout, state=state, text_field=text_field, id_field=id_field
            )
            continue
        if name == "-":
            fh, source = sys.stdin.buffer, "<stdin>"
        else:
            try:
                fh, source = open(name, "rb"), name
            except OSError as exc:
                yield InputRecord(name, None, fields={"source": name}, error=f"cannot open: {exc.strerror}")
                continue
        try:
            yield from read_stream(
                fh, source, input_format=input_format, text_field=text_field, id_field=id_field, state=state
            )
        except (OSError, EOFError, zlib.error) as exc:  # a corrupt or truncated gzip file, a failing disk
            yield InputRecord(source, None, fields={"source": source}, error=f"cannot read further: {exc}")
        finally:
            if fh is not sys.stdin.buffer:
                fh.close()
