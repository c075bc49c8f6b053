"""``load()``: the bundled default model, or a model file, as a Tagger.

The bundled model is a pickle, and a pickle is only safe to load with the
scikit-learn that wrote it.  When the installed scikit-learn differs from the
one recorded in the bundled model card, the model is rebuilt from the bundled
training corpus with the recipe recorded in the card, once, into the user
cache directory, and a :class:`~clustertags.errors.ModelRebuiltWarning` says so.
"""

from __future__ import annotations

import os
import threading
import warnings
from importlib import resources
from pathlib import Path

from .errors import ModelError, ModelRebuiltWarning
from .model import ThemeModel, load_model, read_card
from .tagger import Tagger

__all__ = ["load", "default_model_path", "bundled_corpus_path", "cache_dir"]

_LOCK = threading.Lock()
_DEFAULT: ThemeModel | None = None


def default_model_path() -> Path:
    """Path of the bundled default model file."""
    return Path(str(resources.files("clustertags") / "_resources" / "default.joblib"))


def bundled_corpus_path() -> Path:
    """The training corpus the default model was built from.

    Wheels carry it in ``_resources/corpus``; a source checkout reads it from
    ``corpora/`` at the top of the repository.
    """
    packaged = Path(str(resources.files("clustertags") / "_resources" / "corpus" / "train.jsonl"))
    if packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "corpora" / "themes-ja" / "train.jsonl"
    if checkout.is_file():
        return checkout
    raise ModelError(
        "the bundled training corpus is missing from this installation; reinstall clustertags"
    )


def cache_dir() -> Path:
    """Where rebuilt models go: ``$CLUSTERTAGS_CACHE``, else the XDG cache directory."""
    root = os.environ.get("CLUSTERTAGS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "clustertags"
    )
    return Path(root)


def _installed_sklearn() -> str:
    import sklearn

    return sklearn.__version__


def _rebuild_default(card: dict) -> ThemeModel:
    from .trainer import train

    wanted = card.get("training", {})
    target = cache_dir() / f"default-{wanted.get('data_sha256', 'x')[:12]}-sklearn{_installed_sklearn()}.joblib"
    if target.is_file():
        try:
            return load_model(target)
        except ModelError:
            pass  # rebuild below
    warnings.warn(
        f"the bundled model was built with scikit-learn {card['created_with'].get('scikit-learn')}, "
        f"this environment has {_installed_sklearn()}; rebuilding it from the bundled corpus into "
        f"{target} (once)",
        ModelRebuiltWarning,
        stacklevel=4,
    )
    params = dict(wanted.get("params", {}))
    for key in ("word_ngram_range", "char_ngram_range"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    model = train(bundled_corpus_path(), labels=card["labels"], seed=wanted.get("seed", 0), cv=wanted.get("cv_folds", 5), progress=False, **params)
    model.save(target)
    return load_model(target)


def _default_model() -> ThemeModel:
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            path = default_model_path()
            if not path.is_file():
                raise ModelError(
                    f"the bundled model {str(path)!r} is missing; build it with "
                    "`python training/build_default.py` or reinstall clustertags"
                )
            card = read_card(path)
            if card.get("created_with", {}).get("scikit-learn") != _installed_sklearn():
                _DEFAULT = _rebuild_default(card)
            else:
                _DEFAULT = load_model(path)
        return _DEFAULT


def load(path: str | os.PathLike[str] | None = None) -> Tagger:
    """A :class:`Tagger` for the model at ``path``, or for the bundled default model.

    The model file's sha256 is checked against its ``.card.json`` before it is
    unpickled, and the unpickler builds only what a clustertags model is made
    of; the bundled model goes through the same checks (see docs/security.md).
    """
    if path is None:
        return Tagger(_default_model())
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path, not {type(path).__name__}")
    return Tagger(load_model(path))
