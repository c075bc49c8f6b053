"""Split a document into paragraphs with character offsets (no ML here).

A paragraph ends at a blank line, or at a line break that follows the end of a
sentence (。！？!? and closing brackets after them).  A line break in the middle
of a sentence, as in hard-wrapped text, does not end a paragraph.  Line breaks
are ``\\n``, ``\\r\\n``, ``\\r``, U+2028 and U+2029.  Leading and trailing
whitespace is left out of each paragraph, so ``text[p.start:p.end]`` is the
paragraph exactly and never starts or ends with whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["split_paragraphs", "paragraph_spans"]

_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]")
_SENTENCE_END = re.compile(r"[。．！？!?…][」』）)】〕〉》”’\"']*\s*$")


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
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            if para_start is None:
                para_start = pos + lead
            para_end = pos + len(line.rstrip())
            if _SENTENCE_END.search(line):
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
