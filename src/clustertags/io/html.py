"""HTML in, paragraphs out: whole pages (main text only) and feed-entry fragments.

Pages go through trafilatura, a maintained main-text extractor, in its
precision mode, so menus, footers and sidebars stay out of the text that gets
tagged (on short pages its default mode falls back to the whole body).
Paragraphs, list items and quotes are kept; headings are not paragraphs and
the title goes to its own field.  Fragments (the
HTML inside a feed entry) are already the article, so they are only cut into
paragraphs at block elements.  Either way the record's text is the paragraphs
joined by blank lines, which :func:`clustertags.split_paragraphs` reads back
as the same paragraphs.

A page is decoded the way a browser decodes it: a byte-order mark, else the
charset of the HTTP ``Content-Type`` header, else the ``<meta>`` charset (or
XML declaration) in its first 4 KiB.  Labels are read as browsers read them,
so ``Shift_JIS`` means Windows code page 932 (see
:func:`~clustertags.io.readers.decode_declared`).  A page that declares
nothing is read as UTF-8, and failing that as EUC-JP or Shift_JIS, the two
legacy Japanese encodings, whichever reads it without error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from .readers import InputRecord, decode_declared

__all__ = ["read_html_bytes", "html_paragraphs", "decode_html", "join_paragraphs"]

# Elements that end a paragraph when they open or close.
_BLOCK = frozenset(
    "address article aside blockquote body dd details div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
# Elements whose content is never text for a reader.
_SKIP = frozenset("script style template noscript head title".split())
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Tried in this order when a page declares nothing: Shift_JIS text almost
# never reads as EUC-JP, while EUC-JP text often reads (wrongly) as Shift_JIS.
_UNDECLARED = ("utf-8", "euc-jp", "shift_jis")


def join_paragraphs(paragraphs: list[str]) -> str:
    """One text with the paragraphs separated by blank lines."""
    return "\n\n".join(p for p in paragraphs if p)


class _FragmentParser(HTMLParser):
    """Collects text, starting a line at ``<br>`` and a paragraph at block elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._lines: list[str] = []
        self._words: list[str] = []
        self._skip = 0

    def _end_line(self) -> None:
        line = _HTML_SPACE.sub(" ", "".join(self._words)).strip()
        self._words = []
        if line:
            self._lines.append(line)

    def _end_paragraph(self) -> None:
        self._end_line()
        if self._lines:
            self.paragraphs.append("\n".join(self._lines))
        self._lines = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "br":
            self._end_line()
        elif tag in _BLOCK:
            self._end_paragraph()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._end_line()
        elif tag in _BLOCK:
            self._end_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._words.append(data)


def html_paragraphs(fragment: str) -> list[str]:
    """The paragraphs of an HTML fragment, such as a feed entry's content.

    Block elements (``<p>``, ``<div>``, ``<li>``...) separate paragraphs; a
    ``<br>`` becomes a line break inside one.  Whitespace is collapsed as a
    browser would, except the ideographic space, which is text in Japanese.

    >>> html_paragraphs("<p>新工場が稼働した。</p><p>部品を<br/>増やす。</p>")
    ['新工場が稼働した。', '部品を\\n増やす。']
    """
    parser = _FragmentParser()
    parser.feed(fragment)
    parser.close()
    parser._end_paragraph()
    return parser.paragraphs


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Decode an HTML page: byte-order mark, then ``charset`` (from HTTP), then ``<meta>``.

    Raises
    ------
    UnicodeDecodeError
        When the declared encoding does not read the page, or nothing
        declared and no encoding tried reads it.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec)
    declared: list[str] = []
    if charset:
        declared.append(charset)
    head = data[:4096]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if found:
        declared.append(found.group(1).decode("ascii"))
    for label in declared:
        try:
            return decode_declared(data, label)
        except LookupError:
            continue  # an unknown label is ignored, as browsers do
    for label in _UNDECLARED:
        try:
            return decode_declared(data, label)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8")  # raises the error the user needs to see


def _element_text(element: Any) -> str:
    """Text of an element of trafilatura's XML tree, with ``<lb/>`` as a line break."""

    def walk(node: Any) -> Iterator[str]:
        yield node.text or ""
        for child in node:
            if child.tag == "lb":
                yield "\n"
            else:
                yield from walk(child)
            yield child.tail or ""

    lines = (_HTML_SPACE.sub(" ", line).strip() for line in "".join(walk(element)).split("\n"))
    return "\n".join(line for line in lines if line)


def _main_text(page: str, url: str | None) -> tuple[str | None, list[str]]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
    )
    body = getattr(doc, "body", None)
    title = getattr(doc, "title", None)
    if body is None:
        return title, []
    paragraphs = []
    for element in body.iter("p", "item", "quote", "code"):
        # A quote or list item holding paragraphs is read through them.
        if element.tag in ("quote", "item") and element.find(".//p") is not None:
            continue
        text = _element_text(element)
        if text:
            paragraphs.append(text)
    return title, paragraphs


def read_html_bytes(data: bytes, source: str, *, charset: str | None = None) -> Iterator[InputRecord]:
    """One record for an HTML page: its title and the paragraphs of its main text.

    ``charset`` is the one named by an HTTP ``Content-Type`` header, if any.
    A page without main text gives a record with empty text (no paragraphs);
    a page that cannot be decoded gives an error record.
    """
    fields: dict[str, Any] = {"source": source}
    try:
        page = decode_html(data, charset)
    except UnicodeDecodeError as exc:
        yield InputRecord(
            source,
            None,
            fields=fields,
            error=f"cannot decode the page: not valid {exc.encoding} at byte {exc.start}; "
            "declare its real encoding with <meta charset> or convert it to UTF-8",
        )
        return
    url = source if source.startswith(("http://", "https://")) else None
    try:
        title, paragraphs = _main_text(page, url)
    except Exception as exc:  # trafilatura's failures are not typed; the stream must go on
        yield InputRecord(source, None, fields=fields, error=f"cannot extract the main text: {type(exc).__name__}: {exc}")
        return
    fields["title"] = title
    fields["text"] = join_paragraphs(paragraphs)
    yield InputRecord(source, None, fields=fields, text=fields["text"])
