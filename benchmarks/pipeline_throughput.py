"""Records per second of `clustertags tag --format jsonl` on one input, three ways.

One process, ``--jobs 2`` (loky worker processes) and a two-worker Dask
``LocalCluster``, all on the same 10,000-record JSON Lines file, built from
the bundled training corpus (one to three paragraphs per record, fixed seed).
Each run reads the file, tags it and writes JSON Lines to /dev/null exactly
as the CLI does; the model is loaded once beforehand, as a long-running job
would have it.  "records/s" covers the whole run, including the start-up of
worker processes and the shipping of the model (a Dask cluster is long-lived,
so its own start is not timed); "last 80%" is the rate over the last 80% of
the records, which a long stream settles at.  The outputs of all runs are
checked to be identical.  On a shared machine the figures move with the load
of other processes, so each mode runs ``--repeat`` times and the best run is
shown with the median.

    python benchmarks/pipeline_throughput.py [--records 10000] [--batch-size 256] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def build_input(path: Path, n: int, seed: int = 0) -> tuple[int, int]:
    """Write ``n`` JSONL records made of corpus paragraphs; return (paragraphs, characters)."""
    from clustertags.loading import bundled_corpus_path

    paragraphs = [json.loads(line)["text"] for line in bundled_corpus_path().read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    count = chars = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            picked = rng.sample(paragraphs, rng.randint(1, 3))
            text = "\n\n".join(picked)
            count += len(picked)
            chars += len(text)
            fh.write(json.dumps({"id": f"bench-{i}", "text": text}, ensure_ascii=False) + "\n")
    return count, chars


def run(label: str, stream: Iterator, labels: tuple[str, ...], total: int) -> dict:
    from clustertags.io.writers import JsonlWriter

    digest = hashlib.sha256()
    started = time.perf_counter()
    steady_from = max(1, total // 5)  # the last 80% of the records: after start-up
    steady_start = None
    n = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        writer = JsonlWriter(sink, labels)
        for record, paragraphs in stream:
            writer.write(record, paragraphs)
            digest.update(json.dumps([record.line, [p.to_dict() for p in paragraphs or []]], ensure_ascii=False).encode())
            n += 1
            if n == steady_from:
                steady_start = time.perf_counter()
    done = time.perf_counter()
    return {
        "mode": label,
        "records": n,
        "seconds": done - started,
        "per_second": n / (done - started),
        "steady": (n - steady_from) / (done - steady_start) if steady_start is not None and done > steady_start else float("nan"),
        "sha256": digest.hexdigest(),
    }


def run_all(tagger: Any, path: Path, batch_size: int, total: int) -> list[dict]:
    from distributed import Client, LocalCluster

    from clustertags.dask import tag_records_on_cluster
    from clustertags.io import iter_inputs, tag_records

    results = [
        run("one process", tag_records(tagger, iter_inputs([str(path)]), batch_size=batch_size), tagger.labels, total),
        run("--jobs 2", tag_records(tagger, iter_inputs([str(path)]), batch_size=batch_size, n_jobs=2), tagger.labels, total),
    ]
    # A cluster is long-lived: its start-up is not timed; shipping the model is.
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        stream = tag_records_on_cluster(tagger, iter_inputs([str(path)]), scheduler=client, batch_size=batch_size)
        results.append(run("Dask LocalCluster, 2 workers", stream, tagger.labels, total))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each mode; the best is reported (shared machines are noisy)")
    args = ap.parse_args()

    import clustertags

    tagger = clustertags.load()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        paragraphs, chars = build_input(path, args.records)
        print(
            f"input: {args.records} records, {paragraphs} paragraphs, {chars} characters; batch size {args.batch_size}\n"
            f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start, "
            f"Python {platform.python_version()}, {platform.system()}",
            flush=True,
        )
        runs: dict[str, list[dict]] = {}
        for _ in range(args.repeat):
            for r in run_all(tagger, path, args.batch_size, args.records):
                runs.setdefault(r["mode"], []).append(r)

    print(f"\n{'mode':<30} {'best s':>7} {'records/s':>10} {'median':>8} {'last 80%':>9}   (best of {args.repeat}; records/s)")
    for mode, rs in runs.items():
        best = min(rs, key=lambda r: r["seconds"])
        median = statistics.median(r["per_second"] for r in rs)
        print(f"{mode:<30} {best['seconds']:>7.2f} {best['per_second']:>10.0f} {median:>8.0f} {best['steady']:>9.0f}")
    every = [r for rs in runs.values() for r in rs]
    same = len({r["sha256"] for r in every}) == 1 and len({r["records"] for r in every}) == 1
    print(f"\noutputs identical: {same}; load average at end {os.getloadavg()[0]:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
