"""Why a paragraph got (or missed) a theme: per-feature contributions of the linear model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tagger import Tagger

__all__ = ["explain_paragraph"]


def _feature_names(union: Any) -> list[str]:
    names: list[str] = []
    for name, vec in union.transformer_list:
        prefix = "word" if name == "words" else "char"
        names.extend(f"{prefix}:{f}" for f in vec.get_feature_names_out())
    return names


def _coefficients(clf: Any, n_labels: int) -> np.ndarray:
    if hasattr(clf, "estimators_"):  # one-vs-rest
        return np.vstack([est.coef_.ravel() for est in clf.estimators_])
    coef = np.asarray(clf.coef_)
    if coef.shape[0] == 1 and n_labels == 2:  # binary logistic regression
        return np.vstack([-coef[0], coef[0]])
    return coef


def explain_paragraph(tagger: Tagger, paragraph: str, *, top: int = 8) -> dict[str, dict[str, Any]]:
    """For each label: score, tagged, and the strongest features up and down."""
    if not isinstance(paragraph, str):
        raise TypeError(f"explain expects str, got {type(paragraph).__name__}")
    pipe = tagger.model.pipeline
    union = pipe.named_steps["features"]
    clf = pipe.named_steps["clf"]
    from .analyzer import sanitize

    x = union.transform([sanitize(paragraph)]).tocsr()  # what predict_proba sees
    coef = _coefficients(clf, len(tagger.labels))
    names = _feature_names(union)
    # Scored from the same features, not by analysing the paragraph again.
    proba = np.clip(np.asarray(clf.predict_proba(x), dtype=float), 0.0, 1.0)
    tagged = tagger.model.decide(proba)[0]
    out: dict[str, dict[str, Any]] = {}
    for j, label in enumerate(tagger.labels):
        contrib = x.data * coef[j, x.indices]
        order = np.argsort(contrib)
        up = [(names[x.indices[i]], round(float(contrib[i]), 4)) for i in order[::-1][:top] if contrib[i] > 0]
        down = [(names[x.indices[i]], round(float(contrib[i]), 4)) for i in order[:top] if contrib[i] < 0]
        out[label] = {
            "score": round(float(proba[0, j]), 6),
            "tagged": label in tagged,
            "threshold": float(tagger.model.thresholds[j]),
            "up": up,
            "down": down,
        }
    return out
