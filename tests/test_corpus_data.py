"""The bundled corpus follows THEMES.md and the issue's numbers."""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from clustertags import read_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "themes-ja"
LABELS = ("core_technology", "supply_chain", "globalisation", "green_shift")
GENRES = {
    "wire_news", "feature", "white_paper", "press_release", "analyst_note", "interview", "blog",
    "social_media", "local_news", "trade_show", "faq_recruiting", "gadget_review", "lifestyle_column", "general_news",
}


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {name: [json.loads(x) for x in (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()] for name in ("train", "dev")}


def test_schema_and_labels(splits) -> None:
    for name, rows in splits.items():
        corpus = read_corpus(CORPUS / f"{name}.jsonl", labels=LABELS)  # schema, ids unique, labels from the guide
        assert len(corpus) == len(rows)
        for r in rows:
            assert set(r) >= {"id", "text", "labels", "genre"}
            assert r["genre"] in GENRES, r["id"]
            assert 15 <= len(r["text"]) <= 500, r["id"]
            assert "\n" not in r["text"]


def test_ids_unique_across_splits_and_no_text_in_both(splits) -> None:
    ids = [r["id"] for rows in splits.values() for r in rows]
    assert len(ids) == len(set(ids))
    train_texts = {r["text"] for r in splits["train"]}
    assert not [r["id"] for r in splits["dev"] if r["text"] in train_texts]


def test_sizes_and_label_mix(splits) -> None:
    rows = splits["train"] + splits["dev"]
    n = len(rows)
    assert n >= 2000
    counts = Counter(lab for r in rows for lab in r["labels"])
    assert all(counts[lab] >= 400 for lab in LABELS), counts
    assert sum(len(r["labels"]) >= 2 for r in rows) >= 0.20 * n
    assert sum(not r["labels"] for r in rows) >= 0.40 * n
    genres = Counter(r["genre"] for r in rows)
    assert set(genres) == GENRES
    assert all(c >= 0.04 * n for c in genres.values()), genres
    assert 0.17 <= len(splits["dev"]) / n <= 0.23


def _five_grams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 5] for i in range(max(1, len(t) - 4))}


def near_duplicates(texts: list[str], threshold: float = 0.7) -> list[tuple[int, int, float]]:
    """Pairs whose character 5-gram sets have Jaccard similarity above ``threshold``."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, t in enumerate(texts):
        for g in _five_grams(t):
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
    inter = sparse.triu(x @ x.T, k=1).tocoo()
    sizes = np.asarray(x.sum(axis=1)).ravel()
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    keep = jac > threshold
    return list(zip(inter.row[keep].tolist(), inter.col[keep].tolist(), jac[keep].round(3).tolist()))


def test_near_duplicate_detector_finds_one() -> None:
    a = "部品メーカー各社が調達先を見直し、在庫を三か月分に積み増した。海上輸送の混乱で部材が届かなかったためだ。"
    assert near_duplicates([a, a.replace("三", "二"), "まったく別の文章で、映画の話をしている。"]) != []


def test_no_near_duplicates(splits) -> None:
    rows = splits["train"] + splits["dev"]
    pairs = near_duplicates([r["text"] for r in rows])
    assert not pairs, [(rows[i]["id"], rows[j]["id"], s) for i, j, s in pairs[:20]]


SHARED = ROOT.parent / "shared"


def _runs(text: str, k: int) -> set[str]:
    t = "".join(unicodedata.normalize("NFKC", text).split())
    return {t[i : i + k] for i in range(len(t) - k + 1)}


def test_no_text_taken_from_the_evaluation_material(splits) -> None:
    """No corpus paragraph shares a 25-character run with ../shared (eval sets and livedoor)."""
    livedoor = SHARED / "data" / "livedoor" / "ldcc.jsonl.gz"
    crossauthor = SHARED / "eval" / "crossauthor.jsonl"
    if not (livedoor.is_file() and crossauthor.is_file()):
        pytest.skip(f"{SHARED} not found: the overlap check needs the shared evaluation material beside the project")
    seen: set[str] = set()
    for line in crossauthor.read_text(encoding="utf-8").splitlines():
        seen |= _runs(json.loads(line)["text"], 25)
    with gzip.open(livedoor, "rt", encoding="utf-8") as fh:
        for line in fh:
            article = json.loads(line)
            seen |= _runs(article["title"] + "\n" + article["body"], 25)
    shared = [r["id"] for rows in splits.values() for r in rows if _runs(r["text"], 25) & seen]
    assert not shared


def test_second_annotation_agrees_with_the_corpus_labels() -> None:
    # A blind second annotation of 400 paragraphs: if corpus labels drift
    # (a relabelling pass, a merge gone wrong), agreement falls and this fails.
    import sys

    sys.path.insert(0, str(ROOT / "training"))
    from agreement import agreement

    result = agreement()
    assert result["n"] == 400
    assert all(m["kappa"] >= 0.85 for m in result["per_label"].values()), result["per_label"]


# The themes' own words.  Early rounds told writers to keep them out of
# positives and put them in hard negatives, until グローバル was on 46
# paragraphs of which 15% were about globalisation and the model learnt a
# negative weight for it.  Real news uses these words mostly about the theme.
KEYWORDS = {
    "globalisation": ("グローバル", "海外展開", "海外進出"),
    "supply_chain": ("サプライチェーン", "供給網", "調達網"),
    "green_shift": ("脱炭素", "カーボンニュートラル", "温室効果ガス"),
    "core_technology": ("技術開発", "研究開発"),
}


def test_the_themes_own_words_mostly_mean_the_theme(splits) -> None:
    rows = splits["train"] + splits["dev"]
    for label, words in KEYWORDS.items():
        for word in words:
            having = [r for r in rows if word in r["text"]]
            share = sum(label in r["labels"] for r in having) / len(having)
            # グローバル also lives in careers and entertainment text, which stays
            # unlabelled; the floor catches the old imbalance (0.15), not that.
            assert len(having) >= 10 and share >= 0.45, (word, len(having), round(share, 2))
