"""clustertags: tag Japanese paragraphs with industrial themes.

>>> import clustertags
>>> tagger = clustertags.load()
>>> tagger.labels
('core_technology', 'supply_chain', 'globalisation', 'green_shift')

The public names are imported on first use (PEP 562), not with the package:
spaCy imports ``clustertags.spacy`` in every pipeline through its entry
points, and that should not cost each of them scikit-learn's import time
(about 0.9 s).  ``from clustertags import load`` and ``clustertags.load``
work as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "JapaneseAnalyzer": "analyzer",
    "Corpus": "corpus",
    "read_corpus": "corpus",
    "ClusterTagsError": "errors",
    "CorpusError": "errors",
    "ModelError": "errors",
    "ModelIntegrityError": "errors",
    "ModelRebuiltWarning": "errors",
    "EvaluationReport": "evaluation",
    "evaluate": "evaluation",
    "load": "loading",
    "ThemeModel": "model",
    "split_paragraphs": "paragraphs",
    "DISPLAY_NAMES": "tagger",
    "ParagraphTags": "tagger",
    "Tagger": "tagger",
    "build_pipeline": "trainer",
    "train": "trainer",
}

__all__ = [
    "DISPLAY_NAMES",
    "ClusterTagsError",
    "Corpus",
    "CorpusError",
    "EvaluationReport",
    "JapaneseAnalyzer",
    "ModelError",
    "ModelIntegrityError",
    "ModelRebuiltWarning",
    "ParagraphTags",
    "Tagger",
    "ThemeModel",
    "build_pipeline",
    "evaluate",
    "load",
    "read_corpus",
    "split_paragraphs",
    "train",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .analyzer import JapaneseAnalyzer
    from .corpus import Corpus, read_corpus
    from .errors import ClusterTagsError, CorpusError, ModelError, ModelIntegrityError, ModelRebuiltWarning
    from .evaluation import EvaluationReport, evaluate
    from .loading import load
    from .model import ThemeModel
    from .paragraphs import split_paragraphs
    from .tagger import DISPLAY_NAMES, ParagraphTags, Tagger
    from .trainer import build_pipeline, train


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'clustertags' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
