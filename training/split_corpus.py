"""Merge the writers' part files into corpora/themes-ja/{train,dev}.jsonl.

The dev split is a fixed ~20% stratified by label combination (seed 0).
Paragraphs already in train.jsonl or dev.jsonl keep their split and their
text (those files are canonical: a paragraph mended there is not undone by
its older copy in a part file); only new ids are split, each label
combination ~20% to dev, so adding a round of writing never moves a dev
paragraph into training.  Usage::

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
    existing: dict[str, list[dict]] = {"train": [], "dev": []}
    for name in existing:
        path = OUT / f"{name}.jsonl"
        if path.exists():
            existing[name] = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    known = {r["id"] for rows in existing.values() for r in rows}
    records = []
    for part in sorted(args.parts):
        for line in part.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec["id"] in known:
                    continue
                rec["labels"] = [lab for lab in ORDER if lab in rec["labels"]]
                records.append(rec)
    records.sort(key=lambda r: r["id"])
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for rec in records:
        groups[tuple(rec["labels"])].append(rec)
    rng = np.random.default_rng(args.seed)
    train, dev = existing["train"], existing["dev"]
    n_before = len(train) + len(dev)
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
    print(f"train {len(train)}, dev {len(dev)} ({len(train) + len(dev) - n_before} new)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
