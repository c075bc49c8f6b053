"""Where ``Tagger.predict``'s time goes: its stages timed one by one on the same batches.

The stages are run interleaved, batch by batch, in CPU seconds of this
process, and the share of each is derived by difference:

* MeCab: the tagger the analyzer uses (surface, lemma and POS of each word),
  on text already normalised, next to bare segmentation (``-Owakati``) on the
  same text: the cost of asking MeCab for features at all;
* normalisation: NFKC, lower-casing, sanitising;
* the analyzer's Python: tokens, compounds and bigrams from MeCab's lines;
* word vectorising: looking the tokens up, counting, TF-IDF;
* character n-grams: their whole TF-IDF block;
* the rest: feature union, classifier, thresholds.

``python -m benchmarks.run --profile`` also prints a cProfile listing.
"""

from __future__ import annotations

import time
from typing import Any

from .perf_throughput import _unidic_args

STAGES = (
    ("mecab_words", "MeCab with the analyzer's output format (surface, lemma, POS)"),
    ("mecab_wakati", "MeCab bare segmentation (-Owakati), same text"),
    ("mecab_surface", "MeCab printing each surface only (%m), same text"),
    ("normalise", "normalisation (NFKC, lower-case, sanitise)"),
    ("analyzer", "JapaneseAnalyzer: the above + tokens, compounds, bigrams"),
    ("words_tfidf", "word TF-IDF block (analyzer included)"),
    ("chars_tfidf", "character 2-3-gram TF-IDF block"),
    ("predict", "Tagger.predict, all of it"),
)


def stages(tagger: Any, paragraphs: list[str], batch_size: int = 256) -> dict[str, float]:
    """CPU seconds of each stage over ``paragraphs``."""
    import fugashi

    from clustertags import analyzer as analyzer_module
    from clustertags.analyzer import _chunks, _mecab, normalize_text, sanitize

    forget = analyzer_module._forget_normalized  # normalised text is remembered by identity for a moment

    union = tagger.model.pipeline.steps[0][1]
    vectorisers = dict(union.transformer_list)
    words, chars = vectorisers["words"], vectorisers.get("chars")
    analyzer = words.analyzer
    mecab = _mecab(getattr(analyzer, "user_dic", None)).word_tagger()
    wakati = fugashi.GenericTagger(_unidic_args() + " -Owakati")
    surface = fugashi.GenericTagger(_unidic_args() + r' -O "" -F "%m\n" -U "%m\n" -E ""')
    batches = [paragraphs[i : i + batch_size] for i in range(0, len(paragraphs), batch_size)]

    def normalised(batch: list[str]) -> list[str]:
        return [sanitize(normalize_text(p)) for p in batch]

    def parse_all(tagger_: Any, texts: list[str]) -> None:
        for t in texts:
            for _, chunk in _chunks(t):
                if chunk.strip():
                    tagger_.parse(chunk)

    def stage(name: str, batch: list[str], clean: list[str]) -> None:
        if name == "mecab_words":
            parse_all(mecab, clean)
        elif name == "mecab_wakati":
            parse_all(wakati, clean)
        elif name == "mecab_surface":
            parse_all(surface, clean)
        elif name == "normalise":
            normalised(batch)
        elif name == "analyzer":
            [analyzer(p) for p in batch]
        elif name == "words_tfidf":
            words.transform(batch)
        elif name == "chars_tfidf":
            if chars is not None:
                chars.transform(batch)
        else:
            tagger.predict(batch)

    out = {name: 0.0 for name, _ in STAGES}
    for batch in batches:
        clean = normalised(batch)
        for name, _ in STAGES:
            # Every stage starts with nothing remembered, except the character
            # block, which follows the word block as it does inside predict.
            if name != "chars_tfidf":
                forget()
            started = time.process_time()
            stage(name, batch, clean)
            out[name] += time.process_time() - started
    return out


def shares(t: dict[str, float]) -> list[tuple[str, float]]:
    """The parts of ``predict`` by difference, in CPU seconds, largest first as they occur."""
    python_tokens = max(t["analyzer"] - t["mecab_words"] - t["normalise"], 0.0)
    lookups = max(t["words_tfidf"] - t["analyzer"], 0.0)
    rest = max(t["predict"] - t["words_tfidf"] - t["chars_tfidf"], 0.0)
    return [
        ("MeCab (surface, lemma, POS)", t["mecab_words"]),
        ("normalisation", t["normalise"]),
        ("analyzer's Python (tokens, compounds, bigrams)", python_tokens),
        ("word look-ups, counts, TF-IDF", lookups),
        ("character n-grams, counts, TF-IDF", t["chars_tfidf"]),
        ("feature union, classifier, thresholds", rest),
    ]


def cprofile(tagger: Any, paragraphs: list[str], batch_size: int = 256, top: int = 25) -> str:
    """A cProfile listing of ``predict`` (C calls inflate under cProfile: read shares, not seconds)."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for i in range(0, len(paragraphs), batch_size):
        tagger.predict(paragraphs[i : i + batch_size])
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def call_overhead(tagger: Any, paragraphs: list[str], n: int = 300) -> tuple[float, float]:
    """CPU seconds per ``predict`` call on one paragraph, and per paragraph in batches of 256."""
    from clustertags import analyzer as analyzer_module

    units = [(p + " ")[:-1] for p in paragraphs[:n]]  # fresh objects: nothing remembered
    analyzer_module._forget_normalized()
    started = time.process_time()
    for p in units:
        tagger.predict([p])
    single = (time.process_time() - started) / len(units)
    units = [(p + " ")[:-1] for p in paragraphs[:n]]
    analyzer_module._forget_normalized()
    started = time.process_time()
    for i in range(0, len(units), 256):
        tagger.predict(units[i : i + 256])
    batched = (time.process_time() - started) / len(units)
    return single, batched
