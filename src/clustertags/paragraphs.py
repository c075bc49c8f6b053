"""Split a document into paragraphs with character offsets (no ML here).

A paragraph ends at a blank line, or at a line break that follows the end of a
sentence (。！？!? and closing brackets after them).  A line break in the middle
of a sentence, as in hard-wrapped text, does not end a paragraph.  Line breaks
are ``\\n``, ``\\r\\n``, ``\\r``, U+2028 and U+2029.  Leading and trailing
whitespace, control characters (NUL...) and invisible format characters
(zero-width space, BOM, direction marks) are left out of each paragraph, and a
line of nothing else is blank, so ``text[p.start:p.end]`` is the paragraph
exactly, and a stray NUL or BOM neither becomes a paragraph of its own nor
changes the paragraph it touches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["split_paragraphs", "paragraph_spans"]

_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]")
_SENTENCE_END = re.compile(r"[。．！？!?…][」』）)】〕〉》”’\"']*\s*$")

#: Characters never at the edge of a paragraph: every character ``str.isspace``
#: knows, C0 and C1 controls, and invisible format characters.
_BLANK = (
    "".join(map(chr, range(0x21)))
    + "".join(map(chr, range(0x7F, 0xA1)))
    + "\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    + "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    + "\u2066\u2067\u2068\u2069\ufeff"
)


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of each paragraph of ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    para_start: int | None = None
    para_end = 0
    pos = 0
    n = len(text)
    while pos <= n:
        m = _LINE_BREAK.search(text, pos)
        line_end = m.start() if m else n
        line = text[pos:line_end]
        body = line.rstrip(_BLANK)
        if body:
            if para_start is None:
                para_start = pos + len(line) - len(line.lstrip(_BLANK))
            para_end = pos + len(body)
            if _SENTENCE_END.search(body):
                yield para_start, para_end
                para_start = None
        elif para_start is not None:
            yield para_start, para_end
            para_start = None
        if m is None:
            break
        pos = m.end()
    if para_start is not None:
        yield para_start, para_end


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text`` as strings.

    >>> split_paragraphs("半導体の新工場が稼働した。\\n\\n部品の調達先を\\n増やす。")
    ['半導体の新工場が稼働した。', '部品の調達先を\\n増やす。']
    """
    return [text[s:e] for s, e in paragraph_spans(text)]
