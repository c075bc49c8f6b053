"""The livedoor news benchmark: clustertags against fastText, spaCy textcat and TF-IDF + LinearSVC.

    python -m benchmarks.livedoor [--no-write]

One fixed stratified 80/20 split (seed 0) of title + body of the 7,367
articles in ``../shared/data/livedoor/ldcc.jsonl.gz``; in one run, on that
split, each system is trained and tested:

(a) ``clustertags.train`` (its default pipeline, single-label, 5-fold CV included);
(b) fastText supervised on the same fugashi tokens (``fasttext-numpy2-wheel``);
(c) spaCy ``textcat`` (bag-of-words architecture) on the same tokens;
(d) TF-IDF + LinearSVC on the same tokens.

(b)-(d) share one tokenisation pass, whose time is added to each of their
training times.  The table goes to ``docs/benchmarks.md``.  Skips with a
message when ``../shared`` is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from ._report import livedoor_path, machine, markdown_table, skip, update_section


def load_split(path: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        articles = [json.loads(line) for line in fh]
    texts = [a["title"].strip() + "\n" + a["body"] for a in articles]
    labels = [a["category"] for a in articles]
    x_tr, x_te, y_tr, y_te = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=0)
    return x_tr, x_te, y_tr, y_te


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_clustertags(x_tr: list[str], y_tr: list[str], x_te: list[str]) -> tuple[list[str], float, float]:
    import clustertags

    records = [{"id": str(i), "text": t, "labels": [y]} for i, (t, y) in enumerate(zip(x_tr, y_tr))]
    model, train_s = timed(lambda: clustertags.train(records, seed=0, progress=False))
    pred, pred_s = timed(lambda: [p[0] for p in model.predict(x_te)])  # type: ignore[attr-defined]
    return pred, train_s, pred_s  # type: ignore[return-value]


def tokenise(texts: list[str]) -> list[list[str]]:
    from clustertags.analyzer import JapaneseAnalyzer

    analyzer = JapaneseAnalyzer()
    return [analyzer.words(t) for t in texts]


def run_fasttext(t_tr: list[list[str]], y_tr: list[str], t_te: list[list[str]]) -> tuple[list[str], float, float]:
    import fasttext

    def train() -> object:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
            for toks, y in zip(t_tr, y_tr):
                fh.write(f"__label__{y} " + " ".join(tok.replace(" ", "_") for tok in toks) + "\n")
            name = fh.name
        try:
            return fasttext.train_supervised(name, epoch=25, lr=0.5, wordNgrams=2, dim=100, thread=2, seed=0, verbose=0)
        finally:
            Path(name).unlink()

    model, train_s = timed(train)
    pred, pred_s = timed(lambda: [model.predict(" ".join(t))[0][0].removeprefix("__label__") for t in t_te])  # type: ignore[attr-defined]
    return pred, train_s, pred_s  # type: ignore[return-value]


def run_spacy(t_tr: list[list[str]], y_tr: list[str], t_te: list[list[str]]) -> tuple[list[str], float, float]:
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example

    classes = sorted(set(y_tr))

    def train() -> object:
        random.seed(0)
        spacy.util.fix_random_seed(0)
        nlp = spacy.blank("xx")
        config = {"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 1, "no_output_layer": False}}
        textcat = nlp.add_pipe("textcat", config=config)
        for c in classes:
            textcat.add_label(c)
        examples = [
            Example.from_dict(Doc(nlp.vocab, words=toks or ["_"]), {"cats": {c: float(c == y) for c in classes}})
            for toks, y in zip(t_tr, y_tr)
        ]
        optimizer = nlp.initialize(lambda: examples)
        for _ in range(8):
            random.shuffle(examples)
            for batch in spacy.util.minibatch(examples, size=64):
                nlp.update(batch, sgd=optimizer)
        return nlp

    nlp, train_s = timed(train)

    def predict() -> list[str]:
        docs = (Doc(nlp.vocab, words=toks or ["_"]) for toks in t_te)  # type: ignore[attr-defined]
        return [max(d.cats, key=d.cats.get) for d in nlp.pipe(docs)]  # type: ignore[attr-defined]

    pred, pred_s = timed(predict)
    return pred, train_s, pred_s  # type: ignore[return-value]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def run_svm(t_tr: list[list[str]], y_tr: list[str], t_te: list[list[str]]) -> tuple[list[str], float, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    model = make_pipeline(TfidfVectorizer(analyzer=_identity, sublinear_tf=True), LinearSVC(C=1.0, random_state=0))
    _, train_s = timed(lambda: model.fit(t_tr, y_tr))
    pred, pred_s = timed(lambda: list(model.predict(t_te)))
    return pred, train_s, pred_s  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="livedoor news benchmark")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update docs/benchmarks.md")
    args = ap.parse_args(argv)
    path = livedoor_path()
    if path is None:
        skip("../shared/data/livedoor/ldcc.jsonl.gz not found; the livedoor benchmark needs the shared data")
        return 0
    x_tr, x_te, y_tr, y_te = load_split(path)
    print(f"livedoor: {len(x_tr)} train, {len(x_te)} test articles, {len(set(y_tr))} categories")
    rows = []
    results: dict[str, tuple[list[str], float, float]] = {}
    results["clustertags train"] = run_clustertags(x_tr, y_tr, x_te)
    (t_tr, t_te), tok_s = timed(lambda: (tokenise(x_tr), tokenise(x_te)))  # type: ignore[misc]
    share = tok_s * len(x_tr) / (len(x_tr) + len(x_te))
    for name, fn in (("fastText supervised", run_fasttext), ("spaCy textcat (BOW)", run_spacy), ("TF-IDF + LinearSVC", run_svm)):
        try:
            pred, tr_s, pr_s = fn(t_tr, y_tr, t_te)
        except ImportError as exc:
            print(f"{name}: skipped ({exc}); pip install '.[bench]'")
            continue
        results[name] = (pred, tr_s + share, pr_s + tok_s - share)
    for name, (pred, tr_s, pr_s) in results.items():
        acc = accuracy_score(y_te, pred)
        mf1 = f1_score(y_te, pred, average="macro")
        rows.append([name, f"{acc:.4f}", f"{mf1:.4f}", f"{tr_s:.1f}", f"{pr_s:.1f}"])
    rows.sort(key=lambda r: -float(r[1]))
    table = markdown_table(["system", "accuracy", "macro-F1", "train s", "predict s"], rows)
    print(table)
    if not args.no_write:
        body = (
            "## livedoor news corpus (9 categories, title + body)\n\n"
            "`python -m benchmarks.livedoor`: fixed stratified 80/20 split (seed 0), "
            f"{len(x_tr)} training and {len(x_te)} test articles, all systems in one run. "
            "fastText, spaCy and the SVM use the same fugashi tokens (content-word lemmas); "
            "their shared tokenisation time is split between their train and predict columns. "
            "clustertags' training time includes its 5-fold cross-validation.\n\n"
            f"{table}\n\nMachine: {machine()}."
        )
        update_section("livedoor", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
