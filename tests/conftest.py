"""Shared fixtures: a small real corpus and a model trained on it (real fugashi, real scikit-learn)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "themes-ja"
SHARED = ROOT.parent / "shared"
LABELS = ("core_technology", "supply_chain", "globalisation", "green_shift")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def train_records() -> list[dict]:
    return read_jsonl(CORPUS / "train.jsonl")


@pytest.fixture(scope="session")
def dev_records() -> list[dict]:
    return read_jsonl(CORPUS / "dev.jsonl")


@pytest.fixture(scope="session")
def small_records(train_records: list[dict]) -> list[dict]:
    """Every fourth training paragraph: enough for a real model, fast to train."""
    return train_records[::4]


@pytest.fixture(scope="session")
def small_model(small_records: list[dict]):
    import clustertags

    return clustertags.train(small_records, labels=LABELS, seed=0, cv=3, progress=False)


@pytest.fixture(scope="session")
def small_model_path(small_model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "small.joblib"
    small_model.save(path)
    return path


@pytest.fixture(scope="session")
def tagger():
    import clustertags

    return clustertags.load()
