"""Tokens per second: clustertags' spaCy tokenizer (MeCab) against spacy.blank("ja") (SudachiPy).

    python -m benchmarks.spacy_tokenizer [--mb 1.0] [--repeat 3]

The paragraphs of ``corpora/themes-ja/train.jsonl`` are repeated until they
make about ``--mb`` MB of UTF-8, and each tokenizer turns every paragraph
into a Doc, in this one process, one after the other.  Each figure is the
best of ``--repeat`` passes, after one warm-up pass that loads the
dictionaries.  The two tokenizers segment differently (UniDic short units
against Sudachi's mode A), so characters per second are printed as well: they
compare the same work exactly.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path

import spacy

from ._report import ROOT, machine

CORPUS = ROOT / "corpora" / "themes-ja" / "train.jsonl"


def load_texts(path: Path, megabytes: float) -> list[str]:
    """Paragraphs of the corpus, cycled until they reach ``megabytes`` of UTF-8."""
    with path.open(encoding="utf-8") as fh:
        paragraphs = [json.loads(line)["text"] for line in fh if line.strip()]
    texts: list[str] = []
    size = 0
    for text in itertools.cycle(paragraphs):
        if size >= megabytes * 1_000_000:
            break
        texts.append(text)
        size += len(text.encode("utf-8"))
    return texts


def best_pass(tokenize: Callable[[str], spacy.tokens.Doc], texts: list[str], repeat: int) -> tuple[float, int]:
    """Fastest of ``repeat`` timed passes over ``texts``, and the number of tokens."""
    for text in texts[:200]:  # warm-up: dictionaries, caches
        tokenize(text)
    best = float("inf")
    tokens = 0
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = sum(len(tokenize(text)) for text in texts)
        best = min(best, time.perf_counter() - start)
    return best, tokens


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of the text in MB of UTF-8 (default 1.0)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per tokenizer; the best counts (default 3)")
    args = parser.parse_args(argv)

    texts = load_texts(CORPUS, args.mb)
    chars = sum(map(len, texts))
    size = sum(len(t.encode("utf-8")) for t in texts)
    print(f"{machine()}; spaCy {spacy.__version__}")
    print(f"text: {len(texts):,} paragraphs of {CORPUS.relative_to(ROOT)}, {chars:,} characters, {size / 1e6:.2f} MB UTF-8")

    mecab = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": "clustertags.fugashi_tokenizer.v1"}}})
    sudachi = spacy.blank("ja")
    results = {}
    for name, nlp in (("clustertags.fugashi_tokenizer.v1", mecab), ('spacy.blank("ja") (SudachiPy)', sudachi)):
        seconds, tokens = best_pass(nlp.make_doc, texts, args.repeat)
        results[name] = (tokens / seconds, chars / seconds)
        print(f"{name:32} {tokens:>9,} tokens in {seconds:6.2f} s: {tokens / seconds:>9,.0f} tokens/s, {chars / seconds:>9,.0f} chars/s")
    (mecab_tps, mecab_cps), (sudachi_tps, sudachi_cps) = results.values()
    print(f"ratio (clustertags / SudachiPy): {mecab_tps / sudachi_tps:.2f}x tokens/s, {mecab_cps / sudachi_cps:.2f}x chars/s")


if __name__ == "__main__":
    main()
