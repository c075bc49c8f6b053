"""Print the corpus datasheet's count tables (labels, combinations, genres, lengths) as Markdown.

    python training/corpus_stats.py
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import recipe  # noqa: E402


def main() -> int:
    splits = {name: [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] for name, path in (("train", recipe.TRAIN), ("dev", recipe.DEV))}
    rows = splits["train"] + splits["dev"]
    n = len(rows)
    print(f"paragraphs: {n} (train {len(splits['train'])}, dev {len(splits['dev'])})\n")
    print("| label | paragraphs | share |\n| --- | ---: | ---: |")
    labels = Counter(lab for r in rows for lab in r["labels"])
    for lab in recipe.LABELS:
        print(f"| `{lab}` | {labels[lab]} | {labels[lab] / n:.1%} |")
    none = sum(not r["labels"] for r in rows)
    multi = sum(len(r["labels"]) >= 2 for r in rows)
    print(f"| no label | {none} | {none / n:.1%} |\n| two or more labels | {multi} | {multi / n:.1%} |\n")
    print("| genre | paragraphs | share | with no label |\n| --- | ---: | ---: | ---: |")
    genres = Counter(r["genre"] for r in rows)
    for g, c in genres.most_common():
        neg = sum(1 for r in rows if r["genre"] == g and not r["labels"])
        print(f"| {g} | {c} | {c / n:.1%} | {neg} |")
    lengths = [len(r["text"]) for r in rows]
    q = statistics.quantiles(lengths, n=4)
    print(f"\nlength in characters: min {min(lengths)}, quartiles {q[0]:.0f} / {q[1]:.0f} / {q[2]:.0f}, max {max(lengths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
