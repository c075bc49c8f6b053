"""Tagger: documents in, paragraph tags out.

``tag(str)`` splits one document into paragraphs and tags each;
``predict`` and ``predict_proba`` take a list of units and never split them;
``pipe`` streams many documents, batching paragraphs to the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model import ThemeModel
from .paragraphs import paragraph_spans

__all__ = ["Tagger", "ParagraphTags", "DISPLAY_NAMES"]

#: Japanese display names of the four default themes.
DISPLAY_NAMES: dict[str, str] = {
    "core_technology": "コア技術",
    "supply_chain": "サプライチェーン",
    "globalisation": "グローバル展開",
    "green_shift": "グリーン転換",
}


@dataclass(frozen=True)
class ParagraphTags:
    """The themes of one paragraph; ``text == document[start:end]``."""

    text: str
    start: int
    end: int
    labels: tuple[str, ...]
    scores: dict[str, float] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "labels": list(self.labels), "scores": dict(self.scores)}


def _check_units(texts: Any, method: str) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"Tagger.{method} expects a list of texts, got a single {type(texts).__name__}; "
            f"wrap it in a list or use Tagger.tag for one document"
        )
    units = list(texts)
    for i, t in enumerate(units):
        if not isinstance(t, str):
            raise TypeError(f"Tagger.{method}: item {i} is {type(t).__name__}, not str")
    return units


class Tagger:
    """Tags Japanese paragraphs with themes using a :class:`ThemeModel`.

    Get one with :func:`clustertags.load`.

    Examples
    --------
    >>> import clustertags
    >>> tagger = clustertags.load()
    >>> tagger.labels
    ('core_technology', 'supply_chain', 'globalisation', 'green_shift')
    >>> [p.labels for p in tagger.tag("部品が届かず、完成車工場のラインが三日間止まった。")]
    [('supply_chain',)]
    """

    def __init__(self, model: ThemeModel) -> None:
        if not isinstance(model, ThemeModel):
            raise TypeError(f"Tagger needs a ThemeModel, got {type(model).__name__}; use clustertags.load()")
        self.model = model

    @property
    def labels(self) -> tuple[str, ...]:
        """The model's labels, in score order."""
        return self.model.labels

    @property
    def card(self) -> dict[str, Any]:
        """The model card: versions, data fingerprint, thresholds, metrics."""
        return self.model.card

    @property
    def thresholds(self) -> dict[str, float]:
        return {lab: float(t) for lab, t in zip(self.labels, self.model.thresholds)}

    def _scores(self, units: list[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        proba = self.model.predict_proba(units)
        return proba, self.model.decide(proba)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Labels of each text, each taken as one unit (never split)."""
        units = _check_units(texts, "predict")
        return self._scores(units)[1]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Scores in [0, 1] of each text for every label, each taken as one unit."""
        units = _check_units(texts, "predict_proba")
        proba = self.model.predict_proba(units)
        return [self._score_dict(row) for row in proba]

    def _score_dict(self, row: np.ndarray) -> dict[str, float]:
        return {lab: round(float(s), 6) for lab, s in zip(self.labels, row)}

    def tag(self, text: str) -> list[ParagraphTags]:
        """Split ``text`` into paragraphs and tag each one.

        Empty or whitespace-only text gives an empty list.
        """
        return self.tag_many([text])[0]

    def tag_many(self, texts: Sequence[str]) -> list[list[ParagraphTags]]:
        """Tag several documents, sending all their paragraphs to the model at once."""
        docs = _check_units(texts, "tag_many")
        spans = [list(paragraph_spans(t)) for t in docs]
        units = [doc[s:e] for doc, sp in zip(docs, spans) for s, e in sp]
        proba, labels = self._scores(units) if units else (np.zeros((0, len(self.labels))), [])
        out: list[list[ParagraphTags]] = []
        k = 0
        for doc, sp in zip(docs, spans):
            paras = []
            for s, e in sp:
                paras.append(ParagraphTags(doc[s:e], s, e, labels[k], self._score_dict(proba[k])))
                k += 1
            out.append(paras)
        return out

    def pipe(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 256,
        n_jobs: int = 1,
    ) -> Iterator[list[ParagraphTags]]:
        """Tag a stream of documents lazily, in order, one result list per document.

        ``n_jobs > 1`` tags batches in parallel worker processes (joblib/loky);
        memory stays bounded by a few batches whatever the stream's length.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("Tagger.pipe expects an iterable of texts, got a single string; use Tagger.tag")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        from .parallel import map_batches

        yield from map_batches(self, texts, batch_size=batch_size, n_jobs=n_jobs)

    def explain(self, paragraph: str, *, top: int = 8) -> dict[str, dict[str, Any]]:
        """Why each theme scored as it did: the features that pushed it most.

        For each label: its score, whether it is tagged, and the ``top``
        features (lemmas, lemma bigrams, character n-grams) whose weight times
        value in this paragraph raised or lowered the score most.
        """
        from .explain import explain_paragraph

        return explain_paragraph(self, paragraph, top=top)

    def __repr__(self) -> str:
        return f"Tagger(labels={self.labels!r})"
