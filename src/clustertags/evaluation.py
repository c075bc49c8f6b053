"""Scoring a model on a labelled test corpus, and a written report with plots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import CorpusSource, read_corpus
from .model import ThemeModel
from .tagger import Tagger

__all__ = ["EvaluationReport", "evaluate"]


@dataclass
class EvaluationReport:
    """Per-label precision/recall/F1/support, micro and macro averages.

    For single-label models also ``accuracy`` and ``confusion`` (rows: true
    label, columns: predicted, in ``labels`` order).  ``errors`` lists the
    misclassified records, most confident mistakes first.
    """

    labels: tuple[str, ...]
    multilabel: bool
    per_label: dict[str, dict[str, float]]
    micro: dict[str, float]
    macro: dict[str, float]
    n_records: int
    accuracy: float | None = None
    confusion: list[list[int]] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    _y_true: np.ndarray | None = field(default=None, repr=False)
    _scores: np.ndarray | None = field(default=None, repr=False)
    _y_pred: np.ndarray | None = field(default=None, repr=False)

    def macro_f1_interval(self, n: int = 1000, *, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
        """A bootstrap interval of macro-F1: records resampled with replacement ``n`` times.

        Small test sets (a label with ten positives) move by several points
        for one record more or less; the interval says how far apart two
        models must be before the difference means anything.
        """
        if self._y_true is None or self._y_pred is None:
            raise ValueError("this report holds no per-record decisions; make it with clustertags.evaluate")
        if n < 1 or not 0.0 < level < 1.0:
            raise ValueError(f"need n >= 1 and 0 < level < 1, got n={n}, level={level}")
        y, pred = self._y_true, self._y_pred
        rng = np.random.default_rng(seed)
        macros = np.empty(n)
        for k in range(n):
            idx = rng.integers(0, len(y), len(y))
            yk, pk = y[idx], pred[idx]
            tp = (yk & pk).sum(axis=0)
            wrong = (yk ^ pk).sum(axis=0)  # false positives + false negatives
            macros[k] = np.mean(np.where(tp > 0, 2 * tp / np.maximum(2 * tp + wrong, 1), 0.0))
        tail = (1.0 - level) / 2 * 100
        low, high = np.percentile(macros, [tail, 100 - tail])
        return round(float(low), 3), round(float(high), 3)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "labels": list(self.labels),
            "multilabel": self.multilabel,
            "n_records": self.n_records,
            "per_label": self.per_label,
            "micro": self.micro,
            "macro": self.macro,
        }
        if self.accuracy is not None:
            d["accuracy"] = self.accuracy
            d["confusion"] = self.confusion
        d["errors"] = self.errors
        return d

    def to_text(self) -> str:
        width = max(12, *(len(lab) for lab in self.labels))
        lines = [f"{'label':<{width}}  precision  recall     f1  support"]
        for lab in self.labels:
            m = self.per_label[lab]
            lines.append(f"{lab:<{width}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:5.3f}  {int(m['support']):7d}")
        for name, m in (("micro avg", self.micro), ("macro avg", self.macro)):
            lines.append(f"{name:<{width}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:5.3f}")
        if self.accuracy is not None:
            lines.append(f"accuracy: {self.accuracy:.4f}")
        lines.append(f"records: {self.n_records}, errors: {len(self.errors)}")
        return "\n".join(lines)

    def write_report(self, directory: str | Path, *, worst: int = 20) -> Path:
        """Write ``report.md``, ``metrics.json`` and PNG plots into ``directory``."""
        from ._plots import plot_confusion, plot_precision_recall

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        images: list[tuple[str, str]] = []
        if self._y_true is not None and self._scores is not None:
            plot_precision_recall(self._y_true, self._scores, self.labels, out / "precision_recall.png")
            images.append(("Precision-recall curves per label", "precision_recall.png"))
        if self.confusion is not None:
            plot_confusion(np.asarray(self.confusion), self.labels, out / "confusion.png")
            images.append(("Confusion matrix", "confusion.png"))
        lines = ["# Evaluation report", "", "```", self.to_text(), "```", ""]
        for title, name in images:
            lines += [f"## {title}", "", f"![{title}]({name})", ""]
        lines += [f"## Worst errors (up to {worst})", "", "| id | true | predicted | text |", "| --- | --- | --- | --- |"]
        for e in self.errors[:worst]:
            text = e["text"].replace("|", "\\|").replace("\n", " ")
            if len(text) > 160:
                text = text[:160] + "…"
            lines.append(f"| {e['id']} | {', '.join(e['true']) or '—'} | {', '.join(e['predicted']) or '—'} | {text} |")
        path = out / "report.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def evaluate(tagger: Tagger | ThemeModel, test: CorpusSource, *, text_field: str = "text") -> EvaluationReport:
    """Score ``tagger`` on labelled records (a path or an iterable of records).

    Each record is one unit: it is scored as given, never split into paragraphs.
    """
    model = tagger.model if isinstance(tagger, Tagger) else tagger
    if not isinstance(model, ThemeModel):
        raise TypeError(f"evaluate needs a Tagger or ThemeModel, got {type(tagger).__name__}")
    # Unknown labels are an error naming the file, line and field.
    data = read_corpus(test, labels=list(model.labels), text_field=text_field, multilabel=True)
    labels = model.labels
    y = np.array([[lab in r["labels"] for lab in labels] for r in data.records], dtype=bool)
    scores = model.predict_proba(data.texts)
    predicted = model.decide(scores)
    pred = np.array([[lab in p for lab in labels] for p in predicted], dtype=bool)
    per_label: dict[str, dict[str, float]] = {}
    for j, lab in enumerate(labels):
        tp = float(np.sum(y[:, j] & pred[:, j]))
        fp = float(np.sum(~y[:, j] & pred[:, j]))
        fn = float(np.sum(y[:, j] & ~pred[:, j]))
        per_label[lab] = {**_prf(tp, fp, fn), "support": int(y[:, j].sum())}
    micro = _prf(float(np.sum(y & pred)), float(np.sum(~y & pred)), float(np.sum(y & ~pred)))
    macro = {k: round(float(np.mean([per_label[lab][k] for lab in labels])), 4) for k in ("precision", "recall", "f1")}
    accuracy = confusion = None
    if not model.multilabel:
        true_idx = [labels.index(r["labels"][0]) if r["labels"] else -1 for r in data.records]
        pred_idx = scores.argmax(axis=1)
        accuracy = round(float(np.mean([t == p for t, p in zip(true_idx, pred_idx)])), 4)
        cm = np.zeros((len(labels), len(labels)), dtype=int)
        for t, p in zip(true_idx, pred_idx):
            if t >= 0:
                cm[t, p] += 1
        confusion = cm.tolist()
    errors = []
    for i, r in enumerate(data.records):
        if (y[i] != pred[i]).any():
            # How far the wrong decisions were from the threshold: most confident first.
            wrong = np.flatnonzero(y[i] != pred[i])
            margin = float(np.max(np.abs(scores[i, wrong] - model.thresholds[wrong])))
            errors.append(
                {
                    "id": r["id"],
                    "true": [lab for lab in labels if lab in r["labels"]],
                    "predicted": list(predicted[i]),
                    "scores": {lab: round(float(s), 4) for lab, s in zip(labels, scores[i])},
                    "margin": round(margin, 4),
                    "text": r["text"],
                }
            )
    errors.sort(key=lambda e: -e["margin"])
    return EvaluationReport(
        labels=labels,
        multilabel=model.multilabel,
        per_label=per_label,
        micro=micro,
        macro=macro,
        n_records=len(data),
        accuracy=accuracy,
        confusion=confusion,
        errors=errors,
        _y_true=y,
        _scores=scores,
        _y_pred=pred,
    )
