"""Tagging on Dask: bags and dataframes of texts, archives of files, and the CLI's ``--scheduler``.

Dask is optional and imported only when these functions run
(``pip install "clustertags[dask]"``).

Each worker gets the model once, never once per task.  Lazy collections
(:func:`tag_bag`, :func:`tag_dataframe`) hold the :class:`~clustertags.Tagger`
as one key of their graph that every task depends on, so a worker fetches it
the first time it needs it and keeps it for the rest of the computation.
Work sent to a running cluster (:func:`tag_files`,
:func:`tag_records_on_cluster`) uploads the model file to every worker once,
with distributed's ``UploadFile`` plugin (which also reaches workers that
join later); each worker process loads it on its first task and keeps it.

Workers may run several threads: the analyzer keeps one MeCab tagger per
thread, since one shared by threads returns wrong features.

Examples
--------
>>> import dask.bag as db
>>> import clustertags.dask
>>> bag = db.from_sequence(["部品が届かず、完成車工場のラインが三日間止まった。"], npartitions=1)
>>> [r["themes"] for r in clustertags.dask.tag_bag(bag).compute(scheduler="sync")]
[['supply_chain']]
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import math
import os
import tempfile
import threading
import uuid
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .io.readers import InputRecord
from .io.stream import _Now, ordered_results, read_ahead
from .io.writers import JsonlWriter, output_object
from .parallel import _worker_tagger, batched, shipped

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    import distributed
    import pandas as pd

    from .tagger import ParagraphTags, Tagger

__all__ = ["tag_bag", "tag_dataframe", "tag_files", "tag_records_on_cluster"]

#: Seconds to wait for a first worker to join the scheduler.
_WORKER_WAIT = 30

_HINT = 'clustertags.dask needs Dask and distributed: pip install "clustertags[dask]"'


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{_HINT} ({exc})") from exc


def _tagger(model: Any) -> Tagger:
    from .loading import load
    from .tagger import Tagger

    if model is None or isinstance(model, (str, os.PathLike)):
        return load(model)
    if isinstance(model, Tagger):
        return model
    raise TypeError(f"model must be a Tagger, a model file path or None (the bundled model), not {type(model).__name__}")


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _tag(tagger: Tagger, records: Iterable[InputRecord], batch_size: int) -> Iterator[tuple[InputRecord, list[ParagraphTags] | None]]:
    """Tag records here, in order, batch by batch (no read-ahead thread: a worker's input is at hand)."""
    return ordered_results(tagger, batched(records, batch_size), functools.partial(_Now, tagger.tag_many), window=0)  # type: ignore[arg-type]


# -- shipping the model ---------------------------------------------------
def _graph_key(tagger: Tagger) -> Any:
    """The tagger as one key of a task graph, which every task refers to."""
    dask = _require("dask")
    return dask.delayed(tagger, name=f"clustertags-tagger-{uuid.uuid4().hex}", traverse=False)


@contextlib.contextmanager
def _uploaded(client: distributed.Client, tagger: Tagger) -> Iterator[str]:
    """Upload the tagger to every worker of ``client`` once; yield its file name there."""
    plugin_module = _require("distributed.diagnostics.plugin")
    with shipped(tagger) as path:
        filename = f"clustertags-{uuid.uuid4().hex}.joblib"
        plugin = plugin_module.UploadFile(path, load=False)
        plugin.filename = filename
        name = filename.removesuffix(".joblib")
        client.register_plugin(plugin, name=name)
    try:
        yield filename
    finally:
        with contextlib.suppress(Exception):  # a cluster gone away needs no cleaning
            client.unregister_worker_plugin(name)
            client.run(_forget_upload, filename)


_LOADING = threading.Lock()


def _uploaded_tagger(filename: str) -> Tagger:
    from distributed import get_worker

    # A worker's threads start together: without the lock each would load its own copy.
    with _LOADING:
        return _worker_tagger(os.path.join(get_worker().local_directory, filename))


def _forget_upload(filename: str, dask_worker: Any = None) -> None:
    _worker_tagger.cache_clear()
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(dask_worker.local_directory, filename))


def _tag_uploaded(filename: str, texts: list[str]) -> list[list[ParagraphTags]]:
    return _uploaded_tagger(filename).tag_many(texts)


def _client(client: distributed.Client | None, what: str) -> distributed.Client:
    distributed = _require("distributed")
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError:
        raise ValueError(
            f"{what} needs a Dask cluster: pass client=distributed.Client('tcp://HOST:8786') or create a Client first"
        ) from None


# -- bags -----------------------------------------------------------------
def _bag_record(item: Any, text_field: str, id_field: str) -> InputRecord:
    if isinstance(item, str):
        return InputRecord("<bag>", None, fields={"text": item}, text=item)
    if not isinstance(item, dict):
        return InputRecord("<bag>", None, error=f"expected a str or a dict, got {type(item).__name__}")
    rid = item.get(id_field)
    text = item.get(text_field)
    if not isinstance(text, str):
        problem = "is missing" if text_field not in item else f"must be a string, got {type(text).__name__}"
        return InputRecord("<bag>", None, fields=item, id=rid, error=f"field {text_field!r} {problem}")
    return InputRecord("<bag>", None, fields=item, text=text, id=rid)


def _tag_partition(items: Iterable[Any], tagger: Tagger, text_field: str, id_field: str, batch_size: int) -> list[dict[str, Any]]:
    records = (_bag_record(item, text_field, id_field) for item in items)
    return [output_object(r, paragraphs, tagger.labels) for r, paragraphs in _tag(tagger, records, batch_size)]


def tag_bag(
    bag: dask.bag.Bag,
    model: Tagger | str | os.PathLike[str] | None = None,
    *,
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = 256,
) -> dask.bag.Bag:
    """A bag of result dicts, one per item of ``bag``, in the same order.

    An item is a text, or a dict whose ``text_field`` holds the text.  Each
    result has the item's fields (a text becomes ``{"text": ...}``) plus
    ``themes`` and ``paragraphs``, as ``clustertags tag --format jsonl``
    writes them; a bad item gives ``{"error": {...}}`` instead, so nothing
    is dropped.  ``model`` is a Tagger, a model file read here, or None for
    the bundled model.
    """
    _require("dask.bag")
    tagger = _tagger(model)
    _check_batch_size(batch_size)
    return bag.map_partitions(_tag_partition, _graph_key(tagger), text_field, id_field, batch_size)


# -- dataframes -----------------------------------------------------------
def _tag_frame(frame: pd.DataFrame, tagger: Tagger, text_column: str, batch_size: int) -> pd.DataFrame:
    import pandas as pd

    records = []
    for value in frame[text_column].tolist():
        if isinstance(value, str):
            records.append(InputRecord("<dataframe>", None, text=value))
        elif value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            records.append(InputRecord("<dataframe>", None, error=f"column {text_column!r} has no text (a missing value)"))
        else:
            records.append(InputRecord("<dataframe>", None, error=f"column {text_column!r} holds {type(value).__name__}, not a string"))
    labels = tagger.labels
    themes: list[list[str]] = []
    scores: dict[str, list[float]] = {label: [] for label in labels}
    errors: list[str | None] = []
    for record, paragraphs in _tag(tagger, records, batch_size):
        found = {label for p in paragraphs or () for label in p.labels}
        themes.append([label for label in labels if label in found])
        for label in labels:
            scores[label].append(max((p.scores[label] for p in paragraphs), default=math.nan) if paragraphs else math.nan)
        errors.append(record.error)
    out = frame.copy()
    out["themes"] = pd.Series(themes, index=frame.index, dtype=object)
    for label in labels:
        out[f"score_{label}"] = scores[label]
    out["tag_error"] = pd.Series(errors, index=frame.index, dtype=object)
    return out


def tag_dataframe(
    df: dask.dataframe.DataFrame,
    *,
    text_column: str = "text",
    model: Tagger | str | os.PathLike[str] | None = None,
    batch_size: int = 256,
) -> dask.dataframe.DataFrame:
    """``df`` with columns added: ``themes``, ``score_<label>`` for each label, and ``tag_error``.

    ``themes`` lists the themes of any paragraph of the row's text;
    ``score_<label>`` is the highest paragraph score (NaN for a text without
    paragraphs); ``tag_error`` says why a row could not be tagged (its text
    is missing or not a string) and is None otherwise.
    """
    dd = _require("dask.dataframe")
    pd = _require("pandas")
    if not isinstance(df, dd.DataFrame):
        raise TypeError(
            f"tag_dataframe expects a dask DataFrame, got {type(df).__name__}; for pandas use "
            "dask.dataframe.from_pandas(df, npartitions=...) or Tagger.tag_many"
        )
    if text_column not in df.columns:
        raise KeyError(f"column {text_column!r} not found; the columns are {list(df.columns)}: pass text_column=")
    tagger = _tagger(model)
    _check_batch_size(batch_size)
    added = ["themes", *(f"score_{label}" for label in tagger.labels), "tag_error"]
    clash = [c for c in added if c in df.columns]
    if clash:
        raise ValueError(f"df already has column(s) {clash}; rename or drop them before tagging")
    meta = df._meta.copy()
    meta["themes"] = pd.Series([], dtype=object)
    for label in tagger.labels:
        meta[f"score_{label}"] = pd.Series([], dtype=float)
    meta["tag_error"] = pd.Series([], dtype=object)
    return df.map_partitions(_tag_frame, _graph_key(tagger), text_column, batch_size, meta=meta)


# -- archives of files ----------------------------------------------------
def _output_name(path: str) -> str:
    name = Path(path.split("?", 1)[0].rstrip("/")).name or "input"
    name = name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}.tagged.jsonl"


def _tag_file(path: str, output: str, filename: str, options: dict[str, Any], batch_size: int) -> dict[str, Any]:
    """On a worker: tag one input into one JSON Lines file, written atomically; return a summary."""
    from .io.sources import iter_inputs

    tagger = _uploaded_tagger(filename)
    summary: dict[str, Any] = {"input": path, "output": output, "records": 0, "errors": 0}
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        summary["error"] = f"cannot write {output}: {exc}"
        return summary
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
            writer = JsonlWriter(out, tagger.labels)
            for record, paragraphs in _tag(tagger, iter_inputs([path], **options), batch_size):
                writer.write(record, paragraphs)
                summary["records"] += 1
                summary["errors"] += int(paragraphs is None)
        os.replace(tmp, target)
    except OSError as exc:
        summary["error"] = f"cannot write {output}: {exc}"
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return summary


def tag_files(
    paths: Sequence[str | os.PathLike[str]],
    output_dir: str | os.PathLike[str],
    *,
    client: distributed.Client | None = None,
    model: Tagger | str | os.PathLike[str] | None = None,
    input_format: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = 256,
) -> list[dict[str, Any]]:
    """Tag an archive on the cluster: each input becomes ``output_dir/NAME.tagged.jsonl``.

    The workers read the inputs and write the outputs themselves, so both
    must be reachable from them (a shared file system; inputs may also be
    URLs), and no text passes through this process.  Inputs are read as
    ``clustertags tag`` reads them (JSON Lines, text, feeds, HTML; gzip or
    not) and each output holds what ``--format jsonl`` writes, errors
    included, in record order, with flat memory however big the file.  An
    output appears only once complete.  Returns one summary per input, in
    order: ``input``, ``output``, ``records``, ``errors`` (error records
    written) and, if the output could not be written, ``error``.
    ``client`` defaults to the current Dask client.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError("tag_files expects a list of paths, got a single path; wrap it in a list")
    names = [os.fspath(p) for p in paths]
    outputs = [os.path.join(os.fspath(output_dir), _output_name(n)) for n in names]
    twice = sorted({o for o in outputs if outputs.count(o) > 1})
    if twice:
        raise ValueError(f"several inputs would be written to {twice[0]}; give inputs distinct names or tag them in separate runs")
    _check_batch_size(batch_size)
    client = _client(client, "tag_files")
    tagger = _tagger(model)
    options = {"input_format": input_format, "text_field": text_field, "id_field": id_field}
    with _uploaded(client, tagger) as filename:
        task = functools.partial(_tag_file, filename=filename, options=options, batch_size=batch_size)
        futures = client.map(task, names, outputs, pure=False)
        return client.gather(futures)


# -- the CLI's --scheduler ------------------------------------------------
def tag_records_on_cluster(
    tagger: Tagger,
    records: Iterable[InputRecord],
    *,
    scheduler: str | distributed.Client,
    batch_size: int = 256,
    window: int | None = None,
) -> Generator[tuple[InputRecord, list[ParagraphTags] | None], None, None]:
    """Like :func:`clustertags.io.tag_records`, with the tagging done by a Dask cluster.

    ``records`` are read here and sent in batches; ``(record, paragraphs)``
    come back in input order (``paragraphs`` is None for error records).
    At most ``window`` batches (default: twice the cluster's threads) are
    in flight, so memory stays flat on any stream.  ``scheduler`` is an
    address such as ``tcp://host:8786`` or a ``distributed.Client``.
    """
    distributed = _require("distributed")
    _check_batch_size(batch_size)
    own = not isinstance(scheduler, distributed.Client)
    if own:
        try:
            client = distributed.Client(scheduler, set_as_default=False)
        except OSError as exc:
            raise OSError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with `dask scheduler` "
                "and workers with `dask worker ADDRESS`, or check the address"
            ) from exc
    else:
        client = scheduler
    try:
        try:
            client.wait_for_workers(1, timeout=_WORKER_WAIT)
        except TimeoutError:
            raise TimeoutError(
                f"no Dask worker joined the scheduler at {client.scheduler.address} within {_WORKER_WAIT} s; "
                "start workers with `dask worker ADDRESS`"
            ) from None
        with _uploaded(client, tagger) as filename:
            threads = sum(client.nthreads().values())
            submit = functools.partial(client.submit, _tag_uploaded, filename, pure=False)
            yield from ordered_results(tagger, read_ahead(records, batch_size), submit, window=window or 2 * threads)
    finally:
        if own:
            client.close()
