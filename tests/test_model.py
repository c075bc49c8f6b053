"""Training, thresholds, save/load round trips and model-file integrity."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import clustertags
from clustertags import CorpusError, ModelError, ModelIntegrityError
from clustertags.model import card_path

from .conftest import LABELS


def test_trained_model_shape(small_model) -> None:
    assert small_model.labels == LABELS and small_model.multilabel
    assert small_model.thresholds.shape == (4,)
    assert np.all((small_model.thresholds > 0) & (small_model.thresholds < 1))
    cv = small_model.card["metrics"]["cross_validation"]
    assert set(cv["per_label"]) == set(LABELS)
    assert 0.0 <= cv["macro_f1"] <= 1.0


def test_model_learns_something(small_model, dev_records) -> None:
    report = clustertags.evaluate(small_model, dev_records)
    # A quarter of the corpus still separates the themes far better than chance.
    assert report.macro["f1"] > 0.6, report.to_text()


def test_save_load_identical_predictions(small_model, small_model_path: Path, dev_records) -> None:
    texts = [r["text"] for r in dev_records[:200]]
    loaded = clustertags.load(small_model_path)
    assert np.array_equal(loaded.model.predict_proba(texts), small_model.predict_proba(texts))
    card = json.loads(card_path(small_model_path).read_text(encoding="utf-8"))
    assert card["labels"] == list(LABELS)
    assert card["training"]["data_sha256"] and card["model_sha256"]
    assert card["created_with"]["scikit-learn"]
    assert card["dictionary"]["name"] == "unidic-lite"


def test_same_seed_same_model(small_records, small_model, tmp_path: Path) -> None:
    again = clustertags.train(small_records, labels=LABELS, seed=0, cv=3, progress=False)
    a, b = tmp_path / "a.joblib", tmp_path / "b.joblib"
    small_model.save(a)
    again.save(b)
    assert a.read_bytes() == b.read_bytes()
    assert again.card["metrics"] == small_model.card["metrics"]


def test_single_label_training(tmp_path: Path, train_records) -> None:
    rows = []
    for r in train_records:
        if len(r["labels"]) == 1 and r["labels"][0] in ("supply_chain", "green_shift"):
            rows.append({"id": r["id"], "text": r["text"], "labels": r["labels"]})
    model = clustertags.train(rows[:200], cv=3, progress=False)
    assert not model.multilabel and "accuracy" in model.card["metrics"]["cross_validation"]
    preds = model.predict(["工場の屋根に太陽光パネルを設置し、電力の三割を再生可能エネルギーで賄う。"])
    assert len(preds[0]) == 1  # exactly one label per unit


def test_label_without_enough_examples(small_records) -> None:
    rows = [dict(r) for r in small_records[:60]]
    rows[0] = {**rows[0], "labels": ["rare"]}
    with pytest.raises(CorpusError, match="'rare' has 1 positive"):
        clustertags.train(rows, cv=3, progress=False)


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found") as info:
        clustertags.load(tmp_path / "nope.joblib")
    assert "nope.joblib" in str(info.value)


def test_corrupt_model_file_refused(small_model_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(small_model_path.read_bytes()[:-100])
    card_path(bad).write_text(card_path(small_model_path).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="sha256") as info:
        clustertags.load(bad)
    assert str(bad) in str(info.value)


def test_missing_card_refused(small_model_path: Path, tmp_path: Path) -> None:
    lone = tmp_path / "lone.joblib"
    lone.write_bytes(small_model_path.read_bytes())
    with pytest.raises(ModelIntegrityError, match="card"):
        clustertags.load(lone)


def test_planted_pickle_never_runs(tmp_path: Path) -> None:
    """A pickle that writes a file when loaded, beside a forged card, is not unpickled."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.write_text, (marker, "ran"))

    evil = tmp_path / "evil.joblib"
    evil.write_bytes(pickle.dumps(Evil()))
    forged = {"format": "clustertags-model", "format_version": 1, "model_sha256": "0" * 64, "labels": ["a"]}
    card_path(evil).write_text(json.dumps(forged), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="0000"):
        clustertags.load(evil)
    assert not marker.exists()


def test_model_pickles_into_fresh_process(small_model_path: Path, tmp_path: Path) -> None:
    tagger = clustertags.load(small_model_path)
    texts = ["部品が届かず、完成車工場のラインが止まった。", "海外旅行でおすすめのホテル"]
    blob = tmp_path / "tagger.pkl"
    blob.write_bytes(pickle.dumps(tagger))
    code = (
        "import pickle,sys,json; t=pickle.loads(open(sys.argv[1],'rb').read());"
        "print(json.dumps(t.predict_proba(json.loads(sys.argv[2]))))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(blob), json.dumps(texts)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == tagger.predict_proba(texts)


def test_thresholds_separate_separable_scores_and_step_off_a_one_step_ledge(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import clustertags.trainer as trainer

    rng = np.random.default_rng(0)
    y = np.array([True] * 50 + [False] * 50)[:, None]
    proba = np.where(y, rng.uniform(0.7, 0.9, (100, 1)), rng.uniform(0.1, 0.3, (100, 1)))
    assert 0.3 < trainer.choose_thresholds(y, proba)[0] <= 0.7
    # A plateau of F1 0.97 from 0.31 to 0.79 and a ledge of 1.0 exactly at
    # 0.80 (two positives at 0.805, two negatives at 0.79): the raw maximum
    # sits on the ledge, one step from a drop; the smoothed choice does not.
    pos = np.r_[np.full(30, 0.95), np.full(2, 0.805)]
    neg = np.r_[np.full(40, 0.05), np.full(2, 0.79), [0.30]]
    y = np.r_[np.ones(len(pos), bool), np.zeros(len(neg), bool)][:, None]
    proba = np.r_[pos, neg][:, None]
    smoothed = trainer.choose_thresholds(y, proba)[0]
    monkeypatch.setattr(trainer, "SMOOTHING", 0)
    assert trainer.choose_thresholds(y, proba)[0] == 0.80
    assert smoothed < 0.80


def test_macro_f1_interval_brackets_the_score_and_widens_on_fewer_records(small_model, dev_records) -> None:
    report = clustertags.evaluate(small_model, dev_records[:600])
    low, high = report.macro_f1_interval(500)
    assert low < report.macro["f1"] < high
    assert report.macro_f1_interval(500) == (low, high)  # seeded
    small = clustertags.evaluate(small_model, dev_records[:60])
    small_low, small_high = small.macro_f1_interval(500)
    assert small_high - small_low > high - low
    with pytest.raises(ValueError, match="n >= 1"):
        report.macro_f1_interval(0)
