"""Command-line interface: thin wrappers over the library functions of the same name.

A user error prints one line on stderr and exits with status 1; ``--verbose``
shows the traceback.  ``-`` or no file means standard input.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["main"]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbose", action="store_true", help="show tracebacks of errors")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="clustertags", description="Tag Japanese paragraphs with industrial themes.")
    sub = ap.add_subparsers(dest="command", required=True)

    t = sub.add_parser("tag", help="tag documents, JSON Lines, feeds or HTML pages")
    t.add_argument("inputs", nargs="*", default=["-"], help="files or http(s) URLs; '-' or none for stdin")
    t.add_argument("--format", choices=["text", "jsonl", "csv"], default="text", help="output format (default: text)")
    t.add_argument("--input-format", choices=["auto", "text", "jsonl", "feed", "html"], default="auto")
    t.add_argument("--text-field", default="text", help="JSON field holding the text (default: text)")
    t.add_argument("--id-field", default="id", help="JSON field holding the record id (default: id)")
    t.add_argument("--model", default=None, help="model file (default: the bundled model)")
    t.add_argument("--jobs", type=int, default=1, help="worker processes, with joblib/loky (default: 1)")
    t.add_argument("--batch-size", type=int, default=256)
    t.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://HOST:8786")
    t.add_argument("--state", default=None, help="feed polling state file (ETags and entry ids seen)")
    t.add_argument("--timeout", type=float, default=20.0, help="seconds allowed for each step of a fetch and for the whole download (default: 20)")
    t.add_argument("--strict", action="store_true", help="stop at the first bad record")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    _add_common(t)

    i = sub.add_parser("info", help="print the model card")
    i.add_argument("--model", default=None)
    _add_common(i)

    tr = sub.add_parser("train", help="train a model on a labelled corpus")
    tr.add_argument("corpus", help="JSONL, CSV/TSV (optionally .gz) or a folder with one sub-folder per label")
    tr.add_argument("--out", required=True, help="model file to write (its .card.json goes beside it)")
    tr.add_argument("--labels", default=None, help="comma-separated label set (default: labels seen)")
    tr.add_argument("--cv", type=int, default=5)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--jobs", type=int, default=None, help="cross-validation folds in parallel")
    tr.add_argument("--text-field", default="text")
    tr.add_argument("--none-prior", type=float, default=None, help="expected share of unlabelled paragraphs")
    tr.add_argument("--quiet", action="store_true")
    _add_common(tr)

    ev = sub.add_parser("evaluate", help="score a model on a labelled test corpus")
    ev.add_argument("model")
    ev.add_argument("test")
    ev.add_argument("--format", choices=["text", "json"], default="text")
    ev.add_argument("--report", default=None, help="folder for report.md and PNG plots")
    ev.add_argument("--text-field", default="text")
    _add_common(ev)

    ex = sub.add_parser("explain", help="show which words pushed each theme's score")
    ex.add_argument("text", nargs="?", default="-", help="a paragraph, a file, or '-' for stdin")
    ex.add_argument("--model", default=None)
    ex.add_argument("--top", type=int, default=8)
    ex.add_argument("--format", choices=["text", "json"], default="text")
    _add_common(ex)
    return ap


# -- tag ------------------------------------------------------------------
def _open_output(path: str) -> IO[str]:
    # A lone surrogate (from a JSON escape) is written as \udXXX instead of
    # stopping the run; in JSON Lines output that is the same JSON escape.
    if path == "-":
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="backslashreplace")
        return sys.stdout
    # Written under a temporary name and renamed by close(), so an interrupted
    # run leaves the old file (or none), never half an output; and an input
    # file named as the output is read whole before it is replaced.
    from ._atomic import AtomicTextFile

    return AtomicTextFile(path, encoding="utf-8", newline="", errors="backslashreplace")


def _where(record: Any) -> str:
    return record.source + (f":{record.line}" if record.line is not None else "")


def cmd_tag(args: argparse.Namespace) -> int:
    from ._atomic import AtomicTextFile
    from .io import make_writer, tag_records
    from .io.sources import iter_inputs
    from .io.state import PollState
    from .loading import load

    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.scheduler and args.jobs != 1:
        raise ValueError("--jobs and --scheduler do not mix: the Dask workers do the work; drop --jobs")
    tagger = load(args.model)
    state = PollState.load(args.state) if args.state else None
    records = iter_inputs(
        args.inputs,
        input_format=args.input_format,
        text_field=args.text_field,
        id_field=args.id_field,
        timeout=args.timeout,
        state=state,
    )
    if args.scheduler:
        from .dask import tag_records_on_cluster

        stream = tag_records_on_cluster(tagger, records, scheduler=args.scheduler, batch_size=args.batch_size)
    else:
        stream = tag_records(tagger, records, batch_size=args.batch_size, n_jobs=args.jobs)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit=" records", file=sys.stderr, dynamic_ncols=True)
    say = bar.write if bar is not None else functools.partial(print, file=sys.stderr)
    failed = 0
    out = _open_output(args.output)
    discarded = False
    try:
        writer = make_writer(args.format, out, tagger.labels)
        for record, paragraphs in stream:
            if paragraphs is None:
                failed += 1
                if args.strict:
                    say(f"clustertags: {_where(record)}: {record.error} (stopped by --strict)")
                    return 1
                say(f"clustertags: {_where(record)}: {record.error}")
            writer.write(record, paragraphs)
            if state is not None:
                state.written(record)
            if bar is not None:
                bar.update()
    except BaseException:
        if isinstance(out, AtomicTextFile):
            out.discard()
            discarded = True  # so the polling state must not count these records as written
        raise
    finally:
        stream.close()  # stops the reader thread and cancels work in flight
        if bar is not None:
            bar.close()
        if state is not None and not discarded:
            state.save()
        if out is not sys.stdout:
            out.close()
    return 1 if failed else 0


# -- info, train, evaluate, explain ---------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    from .loading import load

    print(json.dumps(load(args.model).card, ensure_ascii=False, indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .trainer import train

    labels = [x.strip() for x in args.labels.split(",") if x.strip()] if args.labels else None
    model = train(
        args.corpus,
        labels=labels,
        seed=args.seed,
        cv=args.cv,
        n_jobs=args.jobs,
        progress=None if not args.quiet else False,
        none_prior=args.none_prior,
        text_field=args.text_field,
    )
    card = model.save(args.out)
    if not args.quiet:
        cv = model.card["metrics"]["cross_validation"]
        print(f"wrote {args.out} and {card}", file=sys.stderr)
        print(f"cross-validated macro-F1 {cv['macro_f1']:.3f}, micro-F1 {cv['micro_f1']:.3f}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate
    from .loading import load

    report = evaluate(load(args.model), args.test, text_field=args.text_field)
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
    if args.report:
        path = report.write_report(args.report)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _read_text_arg(value: str) -> str:
    if value == "-":
        return sys.stdin.buffer.read().decode("utf-8")
    p = Path(value)
    if len(value) < 4096 and p.is_file():
        return p.read_text(encoding="utf-8")
    return value


def cmd_explain(args: argparse.Namespace) -> int:
    from .loading import load

    tagger = load(args.model)
    text = _read_text_arg(args.text).strip()
    result = tagger.explain(text, top=args.top)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for label, info in result.items():
        mark = "TAGGED" if info["tagged"] else "not tagged"
        print(f"{label}: score {info['score']:.3f} (threshold {info['threshold']:.2f}) {mark}")
        print("  up:   " + ", ".join(f"{f} {w:+.3f}" for f, w in info["up"]))
        print("  down: " + ", ".join(f"{f} {w:+.3f}" for f, w in info["down"]))
    return 0


COMMANDS = {"tag": cmd_tag, "info": cmd_info, "train": cmd_train, "evaluate": cmd_evaluate, "explain": cmd_explain}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("clustertags: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output went away (`| head`): not an error.  Point
        # stdout at /dev/null so Python's final flush does not complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (ValueError, TypeError, OSError, ImportError, LookupError) as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"clustertags: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
