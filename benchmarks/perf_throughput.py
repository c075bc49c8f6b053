"""Throughput in this process: raw fugashi, bare MeCab, clustertags, spaCy ``ja`` and GiNZA, interleaved.

Shared machines are noisy, so the systems are not timed one after the
other: the text is cut into slices, and each slice is given to every system
in turn (in a rotating order) before the next slice.  A burst of load then
falls on all of them alike, and the ratios between them hold even when the
absolute speeds wander.  Each system is timed in wall-clock seconds (what a
user waits) and in CPU seconds of this process (what the ratios use: the CPU
time a system needs does not grow when another process takes the core).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .perf_texts import TextSet


@dataclass
class System:
    name: str
    reads: str  # "paragraphs" or "documents"
    run: Callable[[list[str]], Any]
    note: str = ""


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0
    chars: int = 0
    paragraphs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def rate(self, kind: str = "wall") -> float:
        """Characters per second."""
        seconds = self.wall if kind == "wall" else self.cpu
        return self.chars / seconds if seconds else float("nan")

    def paragraph_rate(self) -> float:
        return self.paragraphs / self.wall if self.wall else float("nan")


def _unidic_args() -> str:
    import unidic_lite

    return f'-r "{unidic_lite.DICDIR}/mecabrc" -d "{unidic_lite.DICDIR}"'


def fugashi_lemma_loop() -> System:
    """The floor the issue names: every word as a Python object, reading its lemma and POS."""
    import fugashi

    tagger = fugashi.Tagger()

    def run(paragraphs: list[str]) -> None:
        for p in paragraphs:
            for word in tagger(p):
                _ = word.feature.lemma, word.feature.pos1

    return System("raw fugashi: lemma + pos1 per word", "paragraphs", run, f"fugashi.Tagger() ({tagger.dictionary_info[0]['filename'].split('/')[-3]})")


def fugashi_parse_split() -> System:
    import fugashi

    tagger = fugashi.GenericTagger(_unidic_args())

    def run(paragraphs: list[str]) -> None:
        for p in paragraphs:
            for line in tagger.parse(p).split("\n"):
                line.split("\t")

    return System("fugashi parse() + split", "paragraphs", run, "MeCab's default unidic output, split into fields")


def mecab_wakati() -> System:
    import fugashi

    tagger = fugashi.GenericTagger(_unidic_args() + " -Owakati")

    def run(paragraphs: list[str]) -> None:
        for p in paragraphs:
            tagger.parse(p)

    return System("bare segmentation (-Owakati)", "paragraphs", run, "MeCab only, no features")


def clustertags_predict(tagger: Any, batch_size: int) -> System:
    def run(paragraphs: list[str]) -> None:
        for i in range(0, len(paragraphs), batch_size):
            tagger.predict(paragraphs[i : i + batch_size])

    return System("clustertags Tagger.predict", "paragraphs", run, f"batches of {batch_size} paragraphs")


def clustertags_tag(tagger: Any) -> System:
    def run(documents: list[str]) -> None:
        for d in documents:
            tagger.tag(d)

    return System("clustertags Tagger.tag", "documents", run, "one call per document: paragraph split, model, results")


def spacy_ja() -> System | None:
    if importlib.util.find_spec("spacy") is None or importlib.util.find_spec("sudachipy") is None:
        return None
    import spacy

    nlp = spacy.blank("ja")

    def run(paragraphs: list[str]) -> None:
        for p in paragraphs:
            for token in nlp.make_doc(p):
                _ = token.lemma_, token.tag_

    return System("spaCy ja (SudachiPy), tokenizer only", "paragraphs", run, f"spacy {spacy.__version__}, spacy.blank('ja').make_doc, lemma_ + tag_")


def ginza() -> System | None:
    if importlib.util.find_spec("ja_ginza") is None:
        return None
    import spacy  # pragma: no cover - GiNZA is not installed here

    nlp = spacy.load("ja_ginza")  # pragma: no cover

    def run(paragraphs: list[str]) -> None:  # pragma: no cover
        for _ in nlp.pipe(paragraphs):
            pass

    return System("GiNZA (ja_ginza), full pipeline", "paragraphs", run)  # pragma: no cover


def measure(text: TextSet, systems: list[System], slices: int = 8, log: Callable[[str], None] = print) -> dict[str, Timing]:
    """Time every system on every slice of ``text``, interleaved."""
    n = len(text.documents)
    bounds = [round(i * n / slices) for i in range(slices + 1)]
    timings = {s.name: Timing() for s in systems}
    warm_docs = text.documents[:8]
    warm_paras = [p for ps in text.paragraphs[:8] for p in ps]
    for s in systems:  # taggers and models built, caches warm, before any timing
        s.run(warm_docs if s.reads == "documents" else warm_paras)
    for k in range(slices):
        docs = text.documents[bounds[k] : bounds[k + 1]]
        paras = [p for ps in text.paragraphs[bounds[k] : bounds[k + 1]] for p in ps]
        chars = sum(map(len, paras))
        order = systems[k % len(systems) :] + systems[: k % len(systems)]
        for s in order:
            wall, cpu = time.perf_counter(), time.process_time()
            s.run(docs if s.reads == "documents" else paras)
            t = timings[s.name]
            t.wall += time.perf_counter() - wall
            t.cpu += time.process_time() - cpu
            t.chars += chars
            t.paragraphs += len(paras)
        log(f"  {text.name}: slice {k + 1}/{slices} done")
    return timings
