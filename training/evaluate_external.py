"""Measure a model on text it was not written for (reads ../shared; evaluation only).

    python training/evaluate_external.py [--model PATH] [--errors N]

* ``eval/crossauthor.jsonl``: paragraphs by another writer;
* ``eval/livedoor_real_public.jsonl``: real livedoor news paragraphs, resolved
  from pointers into ``data/livedoor/ldcc.jsonl.gz`` (sha1-checked);
* the false-positive rate: the share of all sport, film and lifestyle
  paragraphs of the livedoor corpus that get any theme.

Nothing here feeds training or threshold choice.  Skips with a message when
``../shared`` is absent.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

import clustertags

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NEGATIVE_CATEGORIES = ("sports-watch", "movie-enter", "dokujo-tsushin", "peachy", "livedoor-homme")


def shared_dir() -> Path | None:
    return SHARED if (SHARED / "eval").is_dir() else None


def livedoor_articles(shared: Path) -> dict[str, dict]:
    with gzip.open(shared / "data" / "livedoor" / "ldcc.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {a["id"]: a for a in map(json.loads, fh)}


def livedoor_real(shared: Path, articles: dict[str, dict]) -> list[dict]:
    out = []
    for i, line in enumerate((shared / "eval" / "livedoor_real_public.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        ptr = json.loads(line)
        text = articles[ptr["article"]]["body"].split("\n")[ptr["line"]].strip()
        if hashlib.sha1(text.encode("utf-8")).hexdigest() != ptr["sha1"]:
            raise SystemExit(f"livedoor_real_public.jsonl line {i}: sha1 mismatch for {ptr['article']}")
        out.append({"id": f"{ptr['article']}:{ptr['line']}", "text": text, "labels": ptr["labels"]})
    return out


def negative_paragraphs(articles: dict[str, dict]) -> list[str]:
    paras = []
    for a in articles.values():
        if a["category"] in NEGATIVE_CATEGORIES:
            paras.extend(p.strip() for p in a["body"].split("\n") if len(p.strip()) >= 15)
    return paras


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate a model on the shared evaluation sets.")
    ap.add_argument("--model", default=None, help="model file (default: the bundled model)")
    ap.add_argument("--errors", type=int, default=0, help="print this many worst errors per set")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    ap.add_argument("--bootstrap", type=int, default=1000, help="resamples for the 95%% interval of macro-F1 (0: none)")
    args = ap.parse_args(argv)
    shared = shared_dir()
    if shared is None:
        print(f"skipped: {SHARED} not found (the shared evaluation sets live beside the project)", file=sys.stderr)
        return 0
    tagger = clustertags.load(args.model)
    articles = livedoor_articles(shared)
    sets = {
        "crossauthor": [json.loads(x) for x in (shared / "eval" / "crossauthor.jsonl").read_text(encoding="utf-8").splitlines()],
        "livedoor_real_public": livedoor_real(shared, articles),
    }
    figures: dict[str, dict] = {}
    for name, records in sets.items():
        report = clustertags.evaluate(tagger, records)
        figures[name] = {"macro_f1": report.macro["f1"], "micro_f1": report.micro["f1"], "per_label": report.per_label}
        print(f"== {name} ({report.n_records} paragraphs)")
        print(report.to_text())
        if args.bootstrap:
            low, high = report.macro_f1_interval(args.bootstrap)
            figures[name]["macro_f1_95"] = [low, high]
            print(f"macro-F1 95% interval ({args.bootstrap} bootstrap resamples of the paragraphs): {low:.3f} to {high:.3f}")
        for e in report.errors[: args.errors]:
            print(f"  [{e['id']}] true={e['true']} pred={e['predicted']} {e['text'][:110]}")
    negatives = negative_paragraphs(articles)
    predicted = tagger.predict(negatives)
    tagged = [(t, p) for t, p in zip(negatives, predicted) if p]
    rate = len(tagged) / len(negatives)
    figures["false_positive"] = {"paragraphs": len(negatives), "tagged": len(tagged), "rate": round(rate, 4)}
    print(f"== false positives: {len(tagged)} of {len(negatives)} sport/film/lifestyle paragraphs tagged ({rate:.2%})")
    for t, p in tagged[: args.errors]:
        print(f"  {p} {t[:110]}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
