"""The benchmark texts: the bundled corpus repeated to 5 MB, and the livedoor bodies.

Every system is timed on the same strings.  A text set is a list of
documents, each a list of paragraphs: per-paragraph systems (raw fugashi,
spaCy, ``Tagger.predict``) read the paragraphs, ``Tagger.tag`` and the CLI
read the documents, which split into exactly those paragraphs.  Characters
are counted over the paragraphs, so every row of the table divides the same
number.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from ._report import ROOT, livedoor_path

CORPUS = ROOT / "corpora" / "themes-ja" / "train.jsonl"
PARAGRAPHS_PER_DOCUMENT = 4


@dataclass
class TextSet:
    name: str
    documents: list[str]
    paragraphs: list[list[str]]  # the paragraphs of each document

    @property
    def units(self) -> list[str]:
        return [p for ps in self.paragraphs for p in ps]

    @property
    def chars(self) -> int:
        return sum(len(p) for ps in self.paragraphs for p in ps)

    @property
    def n_paragraphs(self) -> int:
        return sum(len(ps) for ps in self.paragraphs)

    @property
    def megabytes(self) -> float:
        return sum(len(p.encode("utf-8")) for ps in self.paragraphs for p in ps) / 1e6

    def write_jsonl(self, path: Path) -> Path:
        with open(path, "w", encoding="utf-8") as fh:
            for i, doc in enumerate(self.documents):
                fh.write(json.dumps({"id": f"{self.name}-{i}", "text": doc}, ensure_ascii=False) + "\n")
        return path


def _check_split(documents: list[str], paragraphs: list[list[str]]) -> None:
    from clustertags.paragraphs import split_paragraphs

    for doc, ps in zip(documents, paragraphs, strict=True):
        if split_paragraphs(doc) != ps:  # pragma: no cover - the texts are built so that they agree
            raise RuntimeError(f"document does not split into its paragraphs: {doc[:40]!r}")


def themes(min_megabytes: float = 5.0) -> TextSet:
    """Paragraphs of corpora/themes-ja/train.jsonl, repeated to ``min_megabytes`` of UTF-8."""
    from clustertags.paragraphs import split_paragraphs

    corpus = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    # A corpus paragraph is one paragraph to the splitter (it is also one unit to predict).
    corpus = [p for text in corpus for p in split_paragraphs(text)]
    size = sum(len(p.encode("utf-8")) for p in corpus)
    repeats = max(1, -int(-min_megabytes * 1e6 // size))
    # Each repeat is a new str object, as every record read from a stream is:
    # clustertags remembers normalised text by object identity for a moment.
    flat = [(p + " ")[:-1] for p in corpus * repeats]
    k = PARAGRAPHS_PER_DOCUMENT
    paragraphs = [flat[i : i + k] for i in range(0, len(flat), k)]
    documents = ["\n\n".join(ps) for ps in paragraphs]
    _check_split(documents, paragraphs)
    return TextSet(f"themes-ja x{repeats}", documents, paragraphs)


def livedoor(max_megabytes: float | None = None) -> TextSet | None:
    """The bodies of the livedoor news corpus (all 7,367, or a spread-out sample), or None when absent."""
    from clustertags.paragraphs import split_paragraphs

    path = livedoor_path()
    if path is None:
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        bodies = [json.loads(line)["body"] for line in fh]
    if max_megabytes is not None:
        total = sum(len(b.encode("utf-8")) for b in bodies)
        step = max(1, int(total / (max_megabytes * 1e6)))
        bodies = bodies[::step]
    paragraphs = [split_paragraphs(b) for b in bodies]
    keep = [i for i, ps in enumerate(paragraphs) if ps]
    return TextSet("livedoor bodies", [bodies[i] for i in keep], [paragraphs[i] for i in keep])


def stream(target_megabytes: float, path: Path, source: TextSet) -> Path:
    """A JSONL file of ``target_megabytes`` made of ``source``'s documents, repeated."""
    lines = [json.dumps({"id": f"s{i}", "text": d}, ensure_ascii=False) + "\n" for i, d in enumerate(source.documents)]
    written = 0
    target = target_megabytes * 1e6
    with open(path, "w", encoding="utf-8") as fh:
        while written < target:
            for line in lines:
                fh.write(line)
                written += len(line.encode("utf-8"))
                if written >= target:
                    break
    return path
