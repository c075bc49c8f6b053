"""clustertags: tag Japanese paragraphs with industrial themes.

>>> import clustertags
>>> tagger = clustertags.load()
>>> tagger.labels
('core_technology', 'supply_chain', 'globalisation', 'green_shift')
"""

from .analyzer import JapaneseAnalyzer
from .corpus import Corpus, read_corpus
from .errors import ClusterTagsError, CorpusError, ModelError, ModelIntegrityError, ModelRebuiltWarning
from .evaluate import EvaluationReport, evaluate
from .loading import load
from .model import ThemeModel
from .paragraphs import split_paragraphs
from .tagger import DISPLAY_NAMES, ParagraphTags, Tagger
from .train import build_pipeline, train

__version__ = "0.1.0"

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
