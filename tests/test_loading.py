"""The bundled default model: rebuilt from the bundled corpus when scikit-learn differs."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import clustertags
from clustertags import ModelRebuiltWarning, loading


@pytest.fixture
def fresh_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(loading, "_DEFAULT", None)
    monkeypatch.setenv("CLUSTERTAGS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_other_sklearn_rebuilds_into_cache_once(monkeypatch: pytest.MonkeyPatch, fresh_default: Path, dev_records) -> None:
    texts = [r["text"] for r in dev_records[:100]]
    reference = clustertags.load(loading.default_model_path()).predict_proba(texts)
    monkeypatch.setattr(loading, "_installed_sklearn", lambda: "0.0-other")
    with pytest.warns(ModelRebuiltWarning, match="rebuilding it from the bundled corpus"):
        rebuilt = clustertags.load()
    cached = list(fresh_default.glob("default-*-sklearn0.0-other.joblib"))
    assert len(cached) == 1 and cached[0].with_name(cached[0].name.replace(".joblib", ".card.json")).is_file()
    # Same corpus, seed and recipe: the rebuilt model predicts what the bundled one does.
    assert rebuilt.predict_proba(texts) == reference
    # A second process-level load uses the cache without warning again.
    monkeypatch.setattr(loading, "_DEFAULT", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = clustertags.load()
    assert again.predict_proba(texts) == reference


def test_missing_bundled_model_says_what_to_do(monkeypatch: pytest.MonkeyPatch, fresh_default: Path, tmp_path: Path) -> None:
    monkeypatch.setattr(loading, "default_model_path", lambda: tmp_path / "nope" / "default.joblib")
    with pytest.raises(clustertags.ModelError, match="build_default.py"):
        clustertags.load()
