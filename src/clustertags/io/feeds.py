"""RSS 1.0, RSS 2.0 and Atom feeds: one record per entry, via feedparser.

feedparser is handed UTF-8 bytes that this module decoded itself, because
feedparser reads a feed labelled ``Shift_JIS`` with Python's strict
``shift_jis`` codec: one ① or ㈱ (Windows code page 932, which is what
Japanese sites mean by Shift_JIS) and it silently falls back to ISO-8859-2
and returns mojibake.  The encoding is found as RFC 7303 says (byte-order
mark, then the HTTP charset, then the XML declaration, then UTF-8), except
that a server's default ``ISO-8859-1`` does not override a different XML
declaration.  A feed that no encoding reads gives an error record.

A feed must be well-formed XML.  feedparser's lenient parser also reads
broken feeds, but a feed cut off by a failed download reads "fine" with its
last entry truncated, and under ``--state`` that entry would never be tagged
again.  The one common fault that is harmless, HTML entities such as
``&nbsp;`` that XML does not define, is repaired before parsing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
import hashlib
import html.entities
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .html import html_paragraphs, join_paragraphs
from .readers import InputRecord, codecs_for, decode_declared

if TYPE_CHECKING:
    from .state import PollState

__all__ = ["read_feed_bytes", "filter_seen", "decode_feed", "entry_record"]

_XML_DECLARATION = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])([^"']*)\2""")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Charsets web servers send by default, which say nothing about the document.
_SERVER_DEFAULTS = frozenset({"iso8859_1", "latin_1", "ascii", "cp1252"})
_CDATA_OR_ENTITY = re.compile(r"(<!\[CDATA\[.*?\]\]>)|&([A-Za-z][A-Za-z0-9]*);", re.DOTALL)
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n")


def _encoding_of(data: bytes, charset: str | None) -> tuple[str, int]:
    """The encoding label to read ``data`` with, and the length of its byte-order mark."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    found = _XML_ENCODING.search(data[:1024])
    declared = found.group(1).decode("ascii") if found else None
    if charset:
        try:
            generic = codecs_for(charset)[0] in _SERVER_DEFAULTS
        except LookupError:
            generic = True
        if not (generic and declared):
            return charset, 0
    return declared or "utf-8", 0


def _entity(match: re.Match[str]) -> str:
    if match.group(1) is not None or match.group(2) in _XML_ENTITIES:
        return match.group(0)
    code = html.entities.name2codepoint.get(match.group(2))
    return match.group(0) if code is None else f"&#{code};"


def decode_feed(data: bytes, charset: str | None = None) -> str:
    """The text of a feed document, decoded as RFC 7303 says, with HTML entities made XML.

    ``charset`` is the one named by an HTTP ``Content-Type`` header, if any.

    Raises
    ------
    UnicodeDecodeError
        When the feed is not valid in the encoding it declares.
    LookupError
        When it declares an encoding nobody knows.
    """
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    label, skip = _encoding_of(data, charset)
    text = decode_declared(data[skip:], label)
    text = _XML_DECLARATION.sub(r'\1"utf-8"', text, count=1)
    return _CDATA_OR_ENTITY.sub(_entity, text)


def _iso(parsed: Any) -> str | None:
    """feedparser's UTC ``struct_time`` as an ISO 8601 string."""
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.timezone.utc).isoformat()


def _entry_text(entry: Any) -> str:
    """Paragraphs of an entry's content (preferred) or summary, joined by blank lines."""
    candidates = [(c.get("type", "text/html"), c.get("value", "")) for c in entry.get("content", [])]
    if entry.get("summary"):
        detail = entry.get("summary_detail") or {}
        candidates.append((detail.get("type", "text/html"), entry["summary"]))
    for kind, value in candidates:
        if not value or not value.strip():
            continue
        if "html" in kind:
            return join_paragraphs(html_paragraphs(value))
        return join_paragraphs([block.strip() for block in _BLANK_LINES.split(value)])
    return ""


def entry_record(entry: Any, source: str, number: int) -> InputRecord:
    """The record of one feedparser entry; ``number`` counts entries from 1.

    Its id is the entry's id (RSS ``guid``, Atom ``id``, RSS 1.0
    ``rdf:about``), else its link, else a hash of its title and text, so that
    ``--state`` can recognise it on the next poll.
    """
    text = _entry_text(entry)
    title = entry.get("title")
    entry_id = entry.get("id") or entry.get("link")
    if not entry_id:
        digest = hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
        entry_id = f"sha1:{digest}"
    published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
    fields = {
        "source": source,
        "id": entry_id,
        "link": entry.get("link"),
        "title": title,
        "published": published or entry.get("published") or entry.get("updated"),
        "text": text,
    }
    return InputRecord(source, number, fields=fields, text=text, id=entry_id)


def read_feed_bytes(data: bytes, source: str, *, charset: str | None = None) -> Iterator[InputRecord]:
    """One record per entry of an RSS 1.0, RSS 2.0 or Atom feed, in feed order.

    A feed that cannot be decoded, is not well-formed or is not a feed gives
    one error record for the whole feed.  ``charset`` is the one named by an
    HTTP ``Content-Type`` header, if any.
    """
    import feedparser

    try:
        text = decode_feed(data, charset)
    except UnicodeDecodeError as exc:
        yield InputRecord(
            source,
            None,
            fields={"source": source},
            error=f"cannot decode the feed: not valid {exc.encoding} at byte {exc.start}; "
            "the feed's XML declaration or HTTP charset names the wrong encoding",
        )
        return
    except (LookupError, OSError, EOFError, zlib.error) as exc:  # an unknown charset, a corrupt gzip body
        yield InputRecord(source, None, fields={"source": source}, error=f"cannot decode the feed: {exc}")
        return
    headers = {"content-type": "application/xml; charset=utf-8"}
    if source.startswith(("http://", "https://")):
        headers["content-location"] = source
    parsed = feedparser.parse(text.encode("utf-8"), response_headers=headers)
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and problem is not None:
        yield InputRecord(
            source,
            None,
            fields={"source": source},
            error=f"the feed is not well-formed XML ({problem}); it may have been cut short, "
            "so try again later, or tell its publisher",
        )
        return
    if not parsed.get("version"):
        yield InputRecord(
            source,
            None,
            fields={"source": source},
            error="not an RSS or Atom feed; pass --input-format html for web pages or jsonl for JSON Lines",
        )
        return
    for number, entry in enumerate(parsed.entries, 1):
        yield entry_record(entry, source, number)


def filter_seen(
    records: Iterable[InputRecord],
    state: PollState,
    source: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Iterator[InputRecord]:
    """Drop the entries of ``source`` that ``state`` has seen tagged; note the others.

    Entries count as tagged only once their output is written
    (:meth:`PollState.written`), and ``etag``/``last_modified`` of this copy
    of the feed are kept only after all its new entries are, so a run that
    dies half-way tags the rest next time instead of losing them.  A feed
    that failed as a whole keeps the previous validators, so it is fetched
    again in full.
    """
    complete = True
    state.begin(source, etag=etag, last_modified=last_modified)
    try:
        for record in records:
            if record.error is not None and record.id is None:
                complete = False
                yield record
            elif record.id is None or state.expect(source, record.id):
                yield record
    except BaseException:  # closed early (--strict, Ctrl-C): the rest is unread
        complete = False
        raise
    finally:
        state.finish(source, complete=complete)
