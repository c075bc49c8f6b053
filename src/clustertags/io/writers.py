"""Writers emit one output record per input record and flush each one."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from .readers import InputRecord

if TYPE_CHECKING:
    from ..tagger import ParagraphTags

__all__ = ["JsonlWriter", "CsvWriter", "TextWriter", "make_writer", "themes_of", "output_object"]


def themes_of(paragraphs: Sequence[ParagraphTags], labels: Sequence[str]) -> list[str]:
    """The union of the paragraphs' labels, in model label order."""
    found = {lab for p in paragraphs for lab in p.labels}
    return [lab for lab in labels if lab in found]


def output_object(record: InputRecord, paragraphs: Sequence[ParagraphTags] | None, labels: Sequence[str]) -> dict[str, Any]:
    """The JSON output of one record: its fields plus ``themes`` and ``paragraphs``, or its error."""
    if paragraphs is None:
        return record.error_object()
    obj = dict(record.fields)
    obj["themes"] = themes_of(paragraphs, labels)
    obj["paragraphs"] = [p.to_dict() for p in paragraphs]
    return obj


# Characters str.splitlines() treats as line breaks but JSON leaves raw: escaped,
# so one record is always one line for any line splitter.
_LINE_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


class JsonlWriter:
    """Every input field kept, plus ``themes`` and ``paragraphs``."""

    def __init__(self, out: IO[str], labels: Sequence[str]) -> None:
        self.out = out
        self.labels = labels

    def write(self, record: InputRecord, paragraphs: Sequence[ParagraphTags] | None) -> None:
        obj = output_object(record, paragraphs, self.labels)
        line = json.dumps(obj, ensure_ascii=False)
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape: keep it escaped
            line = json.dumps(obj)
        self.out.write(line.translate(_LINE_SEPARATORS) + "\n")
        self.out.flush()


class CsvWriter:
    """One row per paragraph (a record with no paragraph gets one empty row)."""

    def __init__(self, out: IO[str], labels: Sequence[str]) -> None:
        self.out = out
        self.labels = list(labels)
        self.writer = csv.writer(out)
        self.writer.writerow(["source", "line", "id", "paragraph", "start", "end", "labels", *self.labels, "text", "error"])

    def write(self, record: InputRecord, paragraphs: Sequence[ParagraphTags] | None) -> None:
        base = [record.source, record.line if record.line is not None else "", "" if record.id is None else record.id]
        if paragraphs is None:
            self.writer.writerow([*base, "", "", "", "", *([""] * len(self.labels)), "", record.error])
        elif not paragraphs:
            self.writer.writerow([*base, "", "", "", "", *([""] * len(self.labels)), "", ""])
        for i, p in enumerate(paragraphs or []):
            scores = [f"{p.scores[lab]:.4f}" for lab in self.labels]
            self.writer.writerow([*base, i, p.start, p.end, ";".join(p.labels), *scores, p.text, ""])
        self.out.flush()


def _one_line(text: str) -> str:
    """``text`` with every line break Python knows (\\r, U+2028, U+0085...) made a space.

    The text format is read line by line, by people and by tools that split
    on more than "\\n" (``str.splitlines``, editors, terminals).
    """
    return " ".join(text.splitlines()) if text else text


class TextWriter:
    """A readable table for people on a terminal, one line per item, whatever the text holds."""

    def __init__(self, out: IO[str], labels: Sequence[str]) -> None:
        self.out = out
        self.labels = labels

    def write(self, record: InputRecord, paragraphs: Sequence[ParagraphTags] | None) -> None:
        where = record.source + (f":{record.line}" if record.line is not None else "")
        head = _one_line(where if record.id is None else f"{where} [{record.id}]")
        if paragraphs is None:
            self.out.write(f"== {head}\nERROR: {_one_line(record.error or '')}\n\n")
            self.out.flush()
            return
        themes = themes_of(paragraphs, self.labels)
        self.out.write(f"== {head}  themes: {', '.join(themes) or '(none)'}\n")
        for i, p in enumerate(paragraphs, 1):
            snippet = _one_line(p.text)
            if len(snippet) > 60:
                snippet = snippet[:59] + "…"
            top = " ".join(f"{lab[:4]}={p.scores[lab]:.2f}" for lab in self.labels)
            self.out.write(f"{i:>3}. [{', '.join(p.labels) or '-'}] {top}\n     {snippet}\n")
        self.out.write("\n")
        self.out.flush()


def make_writer(fmt: str, out: IO[str], labels: Sequence[str]) -> JsonlWriter | CsvWriter | TextWriter:
    writers: dict[str, type[JsonlWriter | CsvWriter | TextWriter]] = {"jsonl": JsonlWriter, "csv": CsvWriter, "text": TextWriter}
    if fmt not in writers:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {sorted(writers)}")
    return writers[fmt](out, labels)
