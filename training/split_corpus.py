"""Merge the writers' part files into corpora/themes-ja/{train,dev}.jsonl.

The dev split is a fixed ~20% stratified by label combination (seed 0), so it
never changes when the script is run again on the same parts.  Usage::

    python training/split_corpus.py corpora/themes-ja/parts/*.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "corpora" / "themes-ja"
ORDER = ["core_technology", "supply_chain", "globalisation", "green_shift"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="+", type=Path)
    ap.add_argument("--dev-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    records = []
    for part in sorted(args.parts):
        for line in part.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                rec["labels"] = [lab for lab in ORDER if lab in rec["labels"]]
                records.append(rec)
    records.sort(key=lambda r: r["id"])
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for rec in records:
        groups[tuple(rec["labels"])].append(rec)
    rng = np.random.default_rng(args.seed)
    train, dev = [], []
    for key in sorted(groups):
        members = groups[key]
        order = rng.permutation(len(members))
        n_dev = int(round(len(members) * args.dev_share))
        for rank, idx in enumerate(order):
            (dev if rank < n_dev else train).append(members[idx])
    for name, rows in (("train", train), ("dev", dev)):
        rows.sort(key=lambda r: r["id"])
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"train {len(train)}, dev {len(dev)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
