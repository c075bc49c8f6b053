"""The fitted theme model, its model card, and save/load.

A model is two files: ``NAME.joblib`` (the fitted scikit-learn pipeline) and
``NAME.card.json`` (the model card: labels, thresholds, versions, data and
file fingerprints, cross-validated metrics).  A joblib file is code: a plain
``joblib.load`` can run anything.  :func:`load_model` therefore

* reads the card first and refuses a file without one, or whose sha256
  differs from the card's (a corrupted, truncated or swapped file), and
* unpickles the bytes it hashed with a restricted unpickler that only builds
  the classes a clustertags model is made of (:data:`ALLOWED_GLOBALS` and the
  scikit-learn estimators of :data:`SKLEARN_CLASSES`), so a file that names
  anything else (``os.system``, ``builtins.exec``...) is refused before any
  of it runs, even when its author also wrote a matching card.

Only load models from people you trust all the same: see docs/security.md
for what this does and does not protect against.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write_bytes, commit, discard, stage_bytes
from .errors import ModelError, ModelIntegrityError

__all__ = [
    "ThemeModel",
    "load_model",
    "card_path",
    "FORMAT_VERSION",
    "library_versions",
    "atomic_write_bytes",
    "ALLOWED_GLOBALS",
    "SKLEARN_CLASSES",
]

FORMAT_VERSION = 1
_FORMAT = "clustertags-model"


def card_path(path: str | os.PathLike[str]) -> Path:
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
        thresholds: Sequence[float] | np.ndarray | None = None,
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
        from .analyzer import sanitize

        # Both feature blocks see control characters (NUL, line breaks) as
        # spaces and lone surrogates as U+FFFD, as the word analyzer always
        # did: a NUL then weighs exactly what a space does.
        proba = np.asarray(self.pipeline.predict_proba([sanitize(t) for t in texts]), dtype=float)
        return np.clip(proba, 0.0, 1.0)

    def decide(self, proba: np.ndarray) -> list[tuple[str, ...]]:
        """Turn scores into label tuples (thresholds, or argmax for single-label)."""
        if not self.multilabel:
            best = proba.argmax(axis=1)
            return [(self.labels[i],) for i in best]
        hits = proba >= self.thresholds[None, :]
        return [tuple(lab for lab, h in zip(self.labels, row, strict=True) if h) for row in hits]

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
                "thresholds": {lab: round(float(t), 6) for lab, t in zip(self.labels, self.thresholds, strict=True)},
                "model_file": p.name,
                "model_sha256": hashlib.sha256(data).hexdigest(),
                "model_bytes": len(data),
            }
        )
        self.card = card
        cpath = card_path(p)
        # Both files are written and synced under temporary names first, so
        # an error or an interrupt while writing leaves the old pair (or
        # nothing).  Then the model is renamed, then its card: a crash in the
        # instant between leaves a model whose hash no card vouches for,
        # which load_model refuses.
        staged = [stage_bytes(p, data)]
        try:
            staged.append(stage_bytes(cpath, (json.dumps(card, ensure_ascii=False, indent=2) + "\n").encode("utf-8")))
            commit(staged[0], p)
            try:
                commit(staged[1], cpath)
            except BaseException:
                discard(p)  # no model without the card that vouches for it
                raise
        except BaseException:
            for tmp in staged:
                discard(tmp)
            raise
        return cpath

    def __repr__(self) -> str:
        kind = "multi-label" if self.multilabel else "single-label"
        return f"ThemeModel(labels={self.labels!r}, {kind})"


def read_card(path: str | os.PathLike[str]) -> dict[str, Any]:
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


# -- safe loading -------------------------------------------------------------

#: Everything besides scikit-learn estimators that a clustertags model file
#: may name, as (module, name).  Plain data constructors only: nothing here
#: runs code, reads files or reaches other objects' attributes.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "slice"),
        ("builtins", "complex"),
        ("builtins", "bytearray"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        ("clustertags.model", "ThemeModel"),
        ("clustertags.analyzer", "JapaneseAnalyzer"),
        ("clustertags.analyzer", "_MeCab"),
        ("clustertags.analyzer", "normalize_text"),
        ("clustertags.analyzer", "sanitize"),
    }
)

#: The scikit-learn estimators :func:`clustertags.build_pipeline` builds,
#: accepted from any ``sklearn.*`` module (scikit-learn moves classes between
#: private modules across versions) when they are estimator classes.  Estimator
#: classes of clustertags' own modules are accepted too.
SKLEARN_CLASSES: frozenset[str] = frozenset(
    {
        "Pipeline",
        "FeatureUnion",
        "TfidfVectorizer",
        "TfidfTransformer",
        "CountVectorizer",
        "OneVsRestClassifier",
        "LogisticRegression",
        "SGDClassifier",
        "LabelBinarizer",
    }
)

# numpy scalar types (a vectoriser's ``dtype=np.float32`` is stored as the type).
_NUMPY_TYPES = frozenset(
    "bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 intp uintp float16 float32 float64 longdouble "
    "complex64 complex128 str_ bytes_".split()
)


class _Refused(pickle.UnpicklingError):
    pass


def _unpickler_class() -> type:
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler

    class RestrictedUnpickler(NumpyUnpickler):  # type: ignore[misc, valid-type]
        """joblib's unpickler, allowed to build only what a clustertags model contains.

        ``find_class`` decides on the names before importing anything (an
        import alone can run code); names with dots (pickle protocol 4's
        attribute paths, ``numpy`` + ``testing.x.y``) are refused, so only
        the listed objects themselves are reachable.  Arrays of Python
        objects are refused too: older joblib reads them with a plain,
        unrestricted ``pickle.load``.
        """

        dispatch = NumpyUnpickler.dispatch.copy()

        def find_class(self, module: str, name: str) -> Any:
            kind = _allowed(module, name)
            if kind is None:
                raise _Refused(f"{module}.{name}")
            obj = super().find_class(module, name)
            if kind == "sklearn":
                from sklearn.base import BaseEstimator

                ok = isinstance(obj, type) and issubclass(obj, BaseEstimator)
            elif kind == "sklearn_loss":
                ok = isinstance(obj, type)
            elif kind == "numpy_type":
                ok = isinstance(obj, type) and issubclass(obj, np.generic)
            else:
                ok = True
            if not ok:
                raise _Refused(f"{module}.{name}")
            return obj

        def load_build(self) -> None:
            state = self.stack[-1]
            if len(self.stack) > 1 and isinstance(self.stack[-2], NumpyArrayWrapper):
                dtype = state.get("dtype") if isinstance(state, dict) else None
                if not isinstance(dtype, np.dtype) or dtype.hasobject:
                    raise _Refused("an array of Python objects")
            NumpyUnpickler.load_build(self)

        dispatch[pickle.BUILD[0]] = load_build

    return RestrictedUnpickler


def _allowed(module: str, name: str) -> str | None:
    """How to check the global ``module.name`` once imported, or None to refuse it."""
    if "." in name or name.startswith("__"):
        return None
    if (module, name) in ALLOWED_GLOBALS:
        return "exact"
    if module == "numpy" and name in _NUMPY_TYPES:
        return "numpy_type"
    if module.startswith("sklearn.") and name in SKLEARN_CLASSES:
        return "sklearn"
    if module.startswith("clustertags.") and not name.startswith("_"):
        return "sklearn"  # clustertags' own estimators (a vectoriser, the analyzer...)
    if module.startswith("sklearn._loss.") and name.startswith("Cy") and name.endswith("Loss"):
        return "sklearn_loss"  # the Cython loss objects an SGDClassifier keeps
    return None


def _restricted_load(data: bytes) -> Any:
    cls = _unpickler_class()
    fh = io.BytesIO(data)
    try:
        unpickler = cls("", fh, ensure_native_byte_order=True)
    except TypeError:  # joblib < 1.5 has no ensure_native_byte_order
        unpickler = cls("", fh)
    return unpickler.load()


def _check_loaded(payload: Any, path: Path) -> ThemeModel:
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT or not isinstance(payload.get("model"), ThemeModel):
        raise ModelError(f"{str(path)!r} is not a clustertags model")
    model: ThemeModel = payload["model"]
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline

    pipe = model.pipeline
    union = pipe.steps[0][1] if isinstance(pipe, Pipeline) and pipe.steps else None
    if not isinstance(union, FeatureUnion) or not all(
        isinstance(vec, CountVectorizer) and vec.input == "content" for _, vec in union.transformer_list
    ):
        # A vectoriser with input="filename" would open files named by the text it tags.
        raise ModelIntegrityError(f"{str(path)!r} is not a clustertags model: its pipeline is not one clustertags builds")
    return model


def load_model(path: str | os.PathLike[str]) -> ThemeModel:
    """Load a model saved by :meth:`ThemeModel.save`, after checking its hash and contents.

    Raises
    ------
    ModelIntegrityError
        When the card is missing, the file's sha256 differs from the card's,
        or the file asks to build anything a clustertags model is not made of
        (nothing in it has run then).
    ModelError
        When the file is missing, unreadable or of another format version.
    """
    p = Path(path)
    if not p.is_file():
        raise ModelError(
            f"model file {str(p)!r} not found; train one with `clustertags train CORPUS --out {p.name}` "
            "or call clustertags.load() for the bundled model"
        )
    card = read_card(p)
    # The bytes that are hashed are the bytes that are unpickled: the file
    # cannot be swapped between the check and the load.
    data = p.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    expected = card.get("model_sha256")
    if actual != expected:
        raise ModelIntegrityError(
            f"model file {str(p)!r} has sha256 {actual}, but its card {str(card_path(p))!r} "
            f"records {expected}; the file was changed or corrupted and will not be loaded"
        )
    if not data.startswith(b"\x80"):
        raise ModelError(f"{str(p)!r} is not an uncompressed joblib file as ThemeModel.save writes; retrain it with `clustertags train`")
    try:
        payload = _restricted_load(data)
    except _Refused as exc:
        raise ModelIntegrityError(
            f"model file {str(p)!r} asks to build {exc}, which no clustertags model contains; it was refused "
            "before any of it ran. A model file is code: load models only from people you trust"
        ) from None
    except Exception as exc:
        raise ModelError(f"could not load model file {str(p)!r}: {exc}; retrain it with `clustertags train`") from exc
    model = _check_loaded(payload, p)
    model.card = card
    return model
