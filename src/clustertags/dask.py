"""Tagging on Dask: bags and dataframes of texts, files, and the CLI's ``--scheduler``.

Dask is optional and imported only when these functions run
(``pip install "clustertags[dask]"``).

Each worker gets the model once, not once per task: the functions that build
a Dask collection put the :class:`~clustertags.Tagger` in the graph as one
key (or, given a ``client``, broadcast it to every worker up front), and
every task refers to that key; :func:`tag_records_on_cluster` broadcasts it
with ``Client.scatter``.  Workers may run several threads: the analyzer
keeps one MeCab tagger per thread, since a shared one returns wrong
features under concurrent calls.

Examples
--------
>>> import dask.bag as db
>>> import clustertags.dask
>>> bag = db.from_sequence(["部品が届かず、完成車工場のラインが三日間止まった。"], npartitions=1)
>>> [r["themes"] for r in clustertags.dask.tag_bag(bag).compute(scheduler="sync")]
[['supply_chain']]
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import uuid
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .io.readers import InputRecord
from .io.stream import _Now, ordered_results, read_ahead
from .io.writers import output_object
from .parallel import batched

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


def _shipped(tagger: Tagger, client: distributed.Client | None) -> Any:
    """One reference to the tagger for every task: a graph key, or futures already on each worker."""
    if client is not None:
        return client.scatter(tagger, broadcast=True, hash=False)
    dask = _require("dask")
    return dask.delayed(tagger, name=f"clustertags-tagger-{uuid.uuid4().hex}", traverse=False)


def _tag(tagger: Tagger, records: Iterable[InputRecord], batch_size: int) -> Iterator[tuple[InputRecord, list[ParagraphTags] | None]]:
    """Tag records in this worker, in order, batch by batch (no read-ahead thread)."""
    return ordered_results(tagger, batched(records, batch_size), functools.partial(_Now, tagger.tag_many), window=0)  # type: ignore[arg-type]


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
    client: distributed.Client | None = None,
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
    return bag.map_partitions(_tag_partition, _shipped(tagger, client), text_field, id_field, batch_size)


# -- dataframes -----------------------------------------------------------
def _frame_columns(labels: Sequence[str]) -> list[str]:
    return ["themes", *(f"score_{label}" for label in labels), "tag_error"]


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
    out["themes"] = _object_column(themes, frame.index)
    for label in labels:
        out[f"score_{label}"] = scores[label]
    out["tag_error"] = _object_column(errors, frame.index)
    return out


def _object_column(values: list[Any], index: Any) -> Any:
    import pandas as pd

    return pd.Series(values, index=index, dtype=object)


def tag_dataframe(
    df: dask.dataframe.DataFrame,
    *,
    text_column: str = "text",
    model: Tagger | str | os.PathLike[str] | None = None,
    batch_size: int = 256,
    client: distributed.Client | None = None,
) -> dask.dataframe.DataFrame:
    """``df`` with columns added: ``themes``, ``score_<label>`` for each label, and ``tag_error``.

    ``themes`` lists the themes of any paragraph of the row's text;
    ``score_<label>`` is the highest paragraph score (NaN for a text without
    paragraphs); ``tag_error`` says why a row could not be tagged (its text
    is not a string) and is None otherwise.
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
    added = _frame_columns(tagger.labels)
    clash = [c for c in added if c in df.columns]
    if clash:
        raise ValueError(f"df already has column(s) {clash}; rename or drop them before tagging")
    meta = df._meta.copy()
    meta["themes"] = pd.Series([], dtype=object)
    for label in tagger.labels:
        meta[f"score_{label}"] = pd.Series([], dtype=float)
    meta["tag_error"] = pd.Series([], dtype=object)
    return df.map_partitions(_tag_frame, _shipped(tagger, client), text_column, batch_size, meta=meta)


# -- files ----------------------------------------------------------------
def _tag_file(paths: Iterable[str], tagger: Tagger, options: dict[str, Any], batch_size: int) -> list[dict[str, Any]]:
    from .io.sources import iter_inputs

    out: list[dict[str, Any]] = []
    for path in paths:
        records = iter_inputs([path], **options)
        out.extend(output_object(r, paragraphs, tagger.labels) for r, paragraphs in _tag(tagger, records, batch_size))
    return out


def tag_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    client: distributed.Client | None = None,
    model: Tagger | str | os.PathLike[str] | None = None,
    input_format: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = 256,
) -> dask.bag.Bag:
    """A bag of result dicts for files read and tagged on the workers, one partition per file.

    The workers open the files, so ``paths`` must be readable there (a
    shared file system, or URLs).  Files are read as ``clustertags tag``
    reads them (JSON Lines, text, feeds, HTML; gzip or not), and the results
    are the records ``--format jsonl`` writes, errors included, in file and
    record order.  Write them with ``.map(json.dumps).to_textfiles(...)``.
    """
    db = _require("dask.bag")
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError("tag_files expects a list of paths, got a single path; wrap it in a list")
    names = [os.fspath(p) for p in paths]
    if not names:
        raise ValueError("tag_files needs at least one path")
    tagger = _tagger(model)
    _check_batch_size(batch_size)
    options = {"input_format": input_format, "text_field": text_field, "id_field": id_field}
    bag = db.from_sequence(names, npartitions=len(names))
    return bag.map_partitions(_tag_file, _shipped(tagger, client), options, batch_size)


# -- the CLI's --scheduler ------------------------------------------------
def _tag_texts(tagger: Tagger, texts: list[str]) -> list[list[ParagraphTags]]:
    return tagger.tag_many(texts)


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
                f"no Dask worker joined the scheduler at {scheduler} within {_WORKER_WAIT} s; "
                "start workers with `dask worker ADDRESS`"
            ) from None
        shipped = client.scatter(tagger, broadcast=True, hash=False)
        threads = sum(client.nthreads().values())
        submit = functools.partial(client.submit, _tag_texts, shipped, pure=False)
        yield from ordered_results(tagger, read_ahead(records, batch_size), submit, window=window or 2 * threads)
    finally:
        if own:
            client.close()


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
