"""Reading and validating labelled corpora.

Three layouts are read, gzip-compressed or not (``.gz`` is detected from the
file's first bytes, not its name):

* JSON Lines, one ``{"id", "text", "labels"}`` object a line, as in THEMES.md;
* CSV or TSV with a header, a text column and a label column whose labels are
  separated by ``;`` (an empty cell means no label);
* a folder with one sub-folder per label, each holding ``.txt`` files (one
  record per file: the livedoor layout).

Every problem is reported with the file, the line and the field, so a user can
go straight to it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from .errors import CorpusError

__all__ = ["Corpus", "Record", "read_corpus", "read_records", "open_text"]

Record = dict[str, Any]
CorpusSource = Union[str, Path, Iterable[Mapping[str, Any]], "Corpus"]


def open_text(path: str | Path) -> io.TextIOBase:
    """Open ``path`` as UTF-8 text, decompressing gzip transparently.

    A UTF-8 byte-order mark is skipped.
    """
    p = Path(path)
    with open(p, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8-sig", newline="")  # type: ignore[return-value]
    return open(p, encoding="utf-8-sig", newline="")  # type: ignore[return-value]


def _format_of(path: Path) -> str:
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".tsv") or name.endswith(".tab"):
        return "tsv"
    return "jsonl"


def _check_record(
    obj: Any, *, source: str, line: int, text_field: str, labels_field: str
) -> Record:
    if not isinstance(obj, Mapping):
        raise CorpusError(
            f"expected a JSON object, got {type(obj).__name__}", path=source, line=line
        )
    rec = dict(obj)
    if text_field not in rec:
        raise CorpusError(
            f"missing; every record needs its text in {text_field!r}",
            path=source,
            line=line,
            field=text_field,
        )
    text = rec[text_field]
    if not isinstance(text, str):
        raise CorpusError(
            f"must be a string, got {type(text).__name__}", path=source, line=line, field=text_field
        )
    if not text.strip():
        raise CorpusError("is empty", path=source, line=line, field=text_field)
    labels = rec.get(labels_field, [])
    if labels is None:
        labels = []
    if isinstance(labels, str):
        labels = [labels] if labels else []
    if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
        raise CorpusError(
            "must be a list of non-empty strings, e.g. [\"supply_chain\"]",
            path=source,
            line=line,
            field=labels_field,
        )
    if len(set(labels)) != len(labels):
        raise CorpusError(f"repeats a label: {labels}", path=source, line=line, field=labels_field)
    rec["text"] = text
    rec["labels"] = list(labels)
    rec.setdefault("id", f"{Path(source).name}:{line}")
    return rec


def _iter_jsonl(path: Path, text_field: str, labels_field: str) -> Iterator[Record]:
    with open_text(path) as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"not valid JSON ({exc.msg} at column {exc.colno})", path=str(path), line=line_no) from None
            yield _check_record(obj, source=str(path), line=line_no, text_field=text_field, labels_field=labels_field)


def _iter_delimited(path: Path, delimiter: str, text_field: str, labels_field: str) -> Iterator[Record]:
    with open_text(path) as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        columns = reader.fieldnames or []
        if text_field not in columns:
            raise CorpusError(
                f"no {text_field!r} column in the header {columns}; pass text_field=",
                path=str(path),
                line=1,
                field=text_field,
            )
        label_col = labels_field if labels_field in columns else ("label" if "label" in columns else None)
        for row in reader:
            line_no = reader.line_num
            if None in row:
                raise CorpusError("has more cells than the header", path=str(path), line=line_no)
            obj: dict[str, Any] = dict(row)
            cell = (row.get(label_col) or "") if label_col else ""
            obj[labels_field] = [x.strip() for x in cell.split(";") if x.strip()]
            if label_col and label_col != labels_field:
                del obj[label_col]
            yield _check_record(obj, source=str(path), line=line_no, text_field=text_field, labels_field=labels_field)


def _iter_folder(path: Path) -> Iterator[Record]:
    subdirs = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subdirs:
        raise CorpusError("has no sub-folders; expected one sub-folder per label", path=str(path))
    for sub in subdirs:
        for file in sorted(sub.rglob("*.txt")):
            try:
                with open_text(file) as fh:
                    text = fh.read()
            except UnicodeDecodeError as exc:
                raise CorpusError(f"is not UTF-8 ({exc.reason} at byte {exc.start})", path=str(file)) from None
            if not text.strip():
                raise CorpusError("is empty", path=str(file), field="text")
            yield {"id": str(file.relative_to(path)), "text": text, "labels": [sub.name]}


def read_records(
    path: str | Path, *, text_field: str = "text", labels_field: str = "labels"
) -> Iterator[Record]:
    """Yield validated records from a corpus file or folder, lazily."""
    p = Path(path)
    if not p.exists():
        raise CorpusError("no such file or folder", path=str(p))
    fmt = _format_of(p)
    if fmt == "folder":
        return _iter_folder(p)
    if fmt == "csv":
        return _iter_delimited(p, ",", text_field, labels_field)
    if fmt == "tsv":
        return _iter_delimited(p, "\t", text_field, labels_field)
    return _iter_jsonl(p, text_field, labels_field)


@dataclass
class Corpus:
    """Validated records plus what training needs to know about them."""

    records: list[Record]
    labels: tuple[str, ...]
    multilabel: bool
    source: str = "<records>"
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = fingerprint(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def texts(self) -> list[str]:
        return [r["text"] for r in self.records]

    @property
    def targets(self) -> list[list[str]]:
        return [r["labels"] for r in self.records]


def fingerprint(records: Sequence[Mapping[str, Any]]) -> str:
    """sha256 of the texts and labels, independent of file format and extra keys."""
    h = hashlib.sha256()
    for r in records:
        h.update(json.dumps([r["text"], sorted(r["labels"])], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def read_corpus(
    source: CorpusSource,
    *,
    labels: Sequence[str] | None = None,
    multilabel: bool | None = None,
    text_field: str = "text",
    labels_field: str = "labels",
) -> Corpus:
    """Read and validate a corpus from a path or from an iterable of records.

    Parameters
    ----------
    source : path or iterable of mappings
        A JSONL/CSV/TSV file (optionally gzipped), a folder with a sub-folder
        per label, or records with ``text`` and ``labels``.
    labels : sequence of str, optional
        The label set, in order.  Records carrying another label are an error.
        By default, every label seen, in order of first appearance.
    multilabel : bool, optional
        By default a corpus is single-label when every record has exactly one
        label, and multi-label otherwise.
    """
    if isinstance(source, Corpus):
        return source
    if isinstance(source, (str, Path)):
        name = str(source)
        records = list(read_records(source, text_field=text_field, labels_field=labels_field))
    elif isinstance(source, (bytes, Mapping)):
        raise TypeError(
            f"expected a corpus path or an iterable of records, got {type(source).__name__}"
        )
    else:
        name = "<records>"
        records = [
            _check_record(r, source=name, line=i, text_field=text_field, labels_field=labels_field)
            for i, r in enumerate(source, 1)
        ]
    if not records:
        raise CorpusError("has no records; a corpus needs labelled paragraphs to train on", path=name)
    seen_ids: dict[str, int] = {}
    for i, r in enumerate(records, 1):
        rid = str(r["id"])
        if rid in seen_ids:
            raise CorpusError(
                f"duplicate id {rid!r} (first seen in record {seen_ids[rid]}); ids must be unique",
                path=name,
                line=i,
                field="id",
            )
        seen_ids[rid] = i
    found: list[str] = []
    for r in records:
        for lab in r["labels"]:
            if lab not in found:
                found.append(lab)
    if labels is not None:
        allowed = list(labels)
        for i, r in enumerate(records, 1):
            for lab in r["labels"]:
                if lab not in allowed:
                    raise CorpusError(
                        f"unknown label {lab!r}; expected one of {allowed}",
                        path=name,
                        line=i,
                        field=labels_field,
                    )
        label_set = tuple(allowed)
    else:
        label_set = tuple(found)
    if len(label_set) < 2 and not (multilabel is not False and len(label_set) == 1 and any(not r["labels"] for r in records)):
        raise CorpusError(
            f"has the labels {list(label_set)}; a classifier needs at least two labels "
            "(or one label plus unlabelled records)",
            path=name,
        )
    if multilabel is None:
        multilabel = not all(len(r["labels"]) == 1 for r in records)
    if not multilabel:
        for i, r in enumerate(records, 1):
            if len(r["labels"]) != 1:
                raise CorpusError(
                    f"has {len(r['labels'])} labels, but a single-label corpus needs exactly one",
                    path=name,
                    line=i,
                    field=labels_field,
                )
    return Corpus(records=records, labels=label_set, multilabel=multilabel, source=name)
