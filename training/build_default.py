"""Build the bundled default model from corpora/themes-ja/train.jsonl.

    python training/build_default.py            # writes src/clustertags/_resources/default.*

Deterministic for a given corpus and seed.  Prints the cross-validated
per-label scores, the dev scores and the time taken.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import recipe  # noqa: E402

import clustertags  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the bundled default model.")
    ap.add_argument("--out", type=Path, default=recipe.RESOURCES / "default.joblib")
    ap.add_argument("--jobs", type=int, default=None, help="cross-validation folds in parallel")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    model = clustertags.train(recipe.TRAIN, labels=recipe.LABELS, seed=recipe.SEED, cv=recipe.CV, n_jobs=args.jobs, **recipe.PARAMS)
    seconds = time.perf_counter() - started
    dev = clustertags.evaluate(model, recipe.DEV)
    model.card["metrics"]["dev"] = {"per_label": dev.per_label, "macro_f1": dev.macro["f1"], "micro_f1": dev.micro["f1"], "n_records": dev.n_records}
    model.card["training"]["corpus"] = "corpora/themes-ja/train.jsonl"
    model.save(args.out)
    cv = model.card["metrics"]["cross_validation"]
    print(f"trained on {model.card['training']['n_records']} paragraphs in {seconds:.1f} s")
    print("cross-validated (train split):")
    for lab, m in cv["per_label"].items():
        print(f"  {lab:<16} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  n={m['support']}")
    print(f"  macro-F1 {cv['macro_f1']:.3f}  micro-F1 {cv['micro_f1']:.3f}")
    print("dev split:")
    print("  " + dev.to_text().replace("\n", "\n  "))
    print(f"thresholds: {dict(zip(model.labels, model.thresholds.round(2)))}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
