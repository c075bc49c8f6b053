"""Agreement between the corpus labels and a blind second annotation.

    python training/agreement.py

``corpora/themes-ja/second_annotation.jsonl`` holds labels given to 400
paragraphs (drawn at random, seed 42, from train and dev) by two annotators
who saw only the text and ../shared/THEMES.md, never the writers' labels.
Prints Cohen's kappa, raw agreement and F1 per label, and the exact-match rate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

import recipe  # noqa: E402

SECOND = recipe.CORPUS / "second_annotation.jsonl"


def agreement() -> dict:
    corpus = {}
    for path in (recipe.TRAIN, recipe.DEV):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            corpus[rec["id"]] = rec["labels"]
    second = [json.loads(x) for x in SECOND.read_text(encoding="utf-8").splitlines()]
    missing = [r["id"] for r in second if r["id"] not in corpus]
    if missing:
        raise SystemExit(f"{SECOND}: ids not in the corpus: {missing[:5]}")
    writer = np.array([[lab in corpus[r["id"]] for lab in recipe.LABELS] for r in second])
    other = np.array([[lab in r["labels"] for lab in recipe.LABELS] for r in second])
    per_label = {
        lab: {
            "kappa": round(float(cohen_kappa_score(writer[:, j], other[:, j])), 3),
            "agreement": round(float((writer[:, j] == other[:, j]).mean()), 3),
            "f1": round(float(f1_score(writer[:, j], other[:, j])), 3),
            "writer": int(writer[:, j].sum()),
            "second": int(other[:, j].sum()),
        }
        for j, lab in enumerate(recipe.LABELS)
    }
    return {"n": len(second), "per_label": per_label, "exact_match": round(float((writer == other).all(axis=1).mean()), 3)}


def main() -> int:
    result = agreement()
    print(f"{result['n']} paragraphs labelled blind by a second annotator\n")
    print("| label | Cohen's kappa | agreement | F1 | writer | second |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for lab, m in result["per_label"].items():
        print(f"| `{lab}` | {m['kappa']:.3f} | {m['agreement']:.3f} | {m['f1']:.3f} | {m['writer']} | {m['second']} |")
    print(f"\nsame label set: {result['exact_match']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
