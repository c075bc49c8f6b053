"""The fitted theme model, its model card, and save/load.

A model is two files: ``NAME.joblib`` (the fitted scikit-learn pipeline) and
``NAME.card.json`` (the model card: labels, thresholds, versions, data and
file fingerprints, cross-validated metrics).  A joblib file is code: loading
it can run anything.  :func:`load_model` therefore reads the card first and
unpickles only a file whose sha256 matches the card, and refuses a file
without a card.  Only load models from people you trust: the hash protects
against corruption and tampering of a file, not against a malicious author
who writes both files.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, ModelIntegrityError

__all__ = ["ThemeModel", "load_model", "card_path", "FORMAT_VERSION", "library_versions"]

FORMAT_VERSION = 1
_FORMAT = "clustertags-model"


def card_path(path: str | Path) -> Path:
    """Path of the model card that goes with the joblib file ``path``."""
    p = Path(path)
    return p.with_name(p.name[: -len(".joblib")] + ".card.json") if p.name.endswith(".joblib") else p.with_name(p.name + ".card.json")


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose objects end up in the pickle."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("clustertags", "scikit-learn", "numpy", "scipy", "joblib", "fugashi", "unidic-lite"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A crash leaves either the old file or the new one, never half of one.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class ThemeModel:
    """A fitted pipeline, its labels and per-label decision thresholds.

    Built by :func:`clustertags.train`; wrapped by :class:`clustertags.Tagger`
    for paragraph tagging.  ``predict_proba`` returns one column per label in
    ``labels`` order.
    """

    def __init__(
        self,
        pipeline: Any,
        labels: Sequence[str],
        *,
        multilabel: bool,
        thresholds: Sequence[float] | None = None,
        card: dict[str, Any] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.labels = tuple(labels)
        self.multilabel = bool(multilabel)
        if thresholds is None:
            thresholds = [0.5] * len(self.labels)
        if len(thresholds) != len(self.labels):
            raise ValueError(f"{len(thresholds)} thresholds for {len(self.labels)} labels")
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.card: dict[str, Any] = dict(card or {})

    # -- prediction -------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores in [0, 1], shape ``(len(texts), len(labels))``."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        proba = np.asarray(self.pipeline.predict_proba(list(texts)), dtype=float)
        return np.clip(proba, 0.0, 1.0)

    def decide(self, proba: np.ndarray) -> list[tuple[str, ...]]:
        """Turn scores into label tuples (thresholds, or argmax for single-label)."""
        if not self.multilabel:
            best = proba.argmax(axis=1)
            return [(self.labels[i],) for i in best]
        hits = proba >= self.thresholds[None, :]
        return [tuple(lab for lab, h in zip(self.labels, row) if h) for row in hits]

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        return self.decide(self.predict_proba(texts))

    # -- persistence ------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write ``path`` (joblib) and its ``.card.json`` atomically.

        Returns the path of the card.
        """
        import io

        import joblib

        p = Path(path)
        buf = io.BytesIO()
        card = dict(self.card)
        # The card lives in the JSON file only, so the joblib bytes depend on
        # the fitted model alone (same corpus and seed -> same bytes).
        self.card = {}
        try:
            joblib.dump({"format": _FORMAT, "format_version": FORMAT_VERSION, "model": self}, buf)
        finally:
            self.card = card
        data = buf.getvalue()
        card.update(
            {
                "format": _FORMAT,
                "format_version": FORMAT_VERSION,
                "labels": list(self.labels),
                "multilabel": self.multilabel,
                "thresholds": {lab: round(float(t), 6) for lab, t in zip(self.labels, self.thresholds)},
                "model_file": p.name,
                "model_sha256": hashlib.sha256(data).hexdigest(),
                "model_bytes": len(data),
            }
        )
        self.card = card
        cpath = card_path(p)
        # The model first, then its card: a crash in between leaves a model
        # whose hash no card vouches for, which load_model refuses.
        atomic_write_bytes(p, data)
        atomic_write_bytes(cpath, (json.dumps(card, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        return cpath

    def __repr__(self) -> str:
        kind = "multi-label" if self.multilabel else "single-label"
        return f"ThemeModel(labels={self.labels!r}, {kind})"


def read_card(path: str | Path) -> dict[str, Any]:
    """Read and check the model card of the joblib file ``path``."""
    cpath = card_path(path)
    if not cpath.is_file():
        raise ModelIntegrityError(
            f"model card {str(cpath)!r} not found for {str(path)!r}; clustertags only loads a "
            "model file whose card vouches for it (save models with ThemeModel.save or "
            "`clustertags train`)"
        )
    try:
        card = json.loads(cpath.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model card {str(cpath)!r} is not valid JSON ({exc}); retrain or re-download the model") from None
    if not isinstance(card, dict) or card.get("format") != _FORMAT:
        raise ModelError(f"{str(cpath)!r} is not a clustertags model card")
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{str(path)!r} has model format {card.get('format_version')}, this clustertags reads "
            f"format {FORMAT_VERSION}; retrain it with `clustertags train`"
        )
    return card


def load_model(path: str | Path) -> ThemeModel:
    """Load a model saved by :meth:`ThemeModel.save`, after checking its hash."""
    p = Path(path)
    if not p.is_file():
        raise ModelError(
            f"model file {str(p)!r} not found; train one with `clustertags train CORPUS --out {p.name}` "
            "or call clustertags.load() for the bundled model"
        )
    card = read_card(p)
    actual = sha256_file(p)
    expected = card.get("model_sha256")
    if actual != expected:
        raise ModelIntegrityError(
            f"model file {str(p)!r} has sha256 {actual}, but its card {str(card_path(p))!r} "
            f"records {expected}; the file was changed or corrupted and will not be loaded"
        )
    import joblib

    try:
        payload = joblib.load(p)
    except Exception as exc:
        raise ModelError(f"could not load model file {str(p)!r}: {exc}; retrain it with `clustertags train`") from exc
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT or not isinstance(payload.get("model"), ThemeModel):
        raise ModelError(f"{str(p)!r} is not a clustertags model")
    model: ThemeModel = payload["model"]
    model.card = card
    return model
