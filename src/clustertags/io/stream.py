"""Tag a stream of :class:`InputRecord` in input order, in batches, with flat memory.

Three habits make the stream a good citizen of a pipeline:

* records are read ahead by a thread into a bounded queue, and a batch goes
  to the model when it is full *or when the input pauses*, so ``tail -f log
  | clustertags tag`` answers each record as it comes while a file is still
  tagged in full batches;
* results are handed on in input order, each as soon as it and every
  earlier one are done;
* only a window of batches is in flight at once (in worker processes or on
  a Dask cluster), so memory does not grow with the stream.

A record is never lost: if tagging a batch raises, its records are tagged
one by one and only a record that fails alone becomes an error record; if a
worker process dies, the records of its batch become error records.
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..parallel import _tag_batch, shipped
from .readers import InputRecord

if TYPE_CHECKING:
    from ..tagger import ParagraphTags, Tagger

__all__ = ["tag_records", "read_ahead", "ordered_results"]

log = logging.getLogger("clustertags")

Tagged = tuple[InputRecord, "list[ParagraphTags] | None"]


class FutureLike(Protocol):
    """What :func:`ordered_results` needs of a future (concurrent.futures, loky, Dask)."""

    def done(self) -> bool: ...

    def result(self) -> Any: ...

    def cancel(self) -> Any: ...


_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(records: Iterable[Any], batch_size: int, *, idle: float = 0.05) -> Iterator[list[Any]]:
    """Batches of at most ``batch_size`` consecutive records, read by a background thread.

    A batch is cut short when no record has come for ``idle`` seconds, and an
    empty batch is yielded every ``idle`` seconds while the input stays
    quiet, so the consumer can hand on finished results meanwhile.  At most
    ``2 * batch_size`` records wait in the queue.  An exception raised while
    reading is raised here, after the records read before it.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    pipe: queue.Queue[Any] = queue.Queue(maxsize=2 * batch_size)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        it = iter(records)
        try:
            for record in it:
                if not put(record):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=pump, name="clustertags-reader", daemon=True)
    reader.start()
    batch: list[Any] = []
    try:
        while True:
            try:
                item = pipe.get(timeout=idle)
            except queue.Empty:
                yield batch
                batch = []
                continue
            if item is _END:
                break
            if isinstance(item, _Failed):
                if batch:
                    yield batch
                    batch = []
                raise item.exc
            batch.append(item)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        stop.set()
        reader.join(timeout=5.0)  # lets the reader close its inputs; it may be blocked on stdin


def _pairs(batch: Sequence[InputRecord], results: Sequence[list[ParagraphTags]]) -> Iterator[Tagged]:
    it = iter(results)
    for record in batch:
        yield record, (None if record.error is not None else next(it))


def _texts(batch: Sequence[InputRecord]) -> list[str]:
    return [record.text or "" for record in batch if record.error is None]


def _one_by_one(tagger: Tagger, batch: Sequence[InputRecord]) -> Iterator[Tagged]:
    """Tag each good record alone; one that still fails becomes an error record."""
    for record in batch:
        if record.error is not None:
            yield record, None
            continue
        try:
            paragraphs = tagger.tag(record.text or "")
        except Exception as exc:
            record.error = f"tagging failed: {type(exc).__name__}: {exc}"
            yield record, None
        else:
            yield record, paragraphs


def _worker_died(exc: BaseException) -> bool:
    return isinstance(exc, concurrent.futures.BrokenExecutor) or type(exc).__name__ == "KilledWorker"


def _alone_on_workers(batch: list[InputRecord], submit: Callable[[list[str]], FutureLike]) -> Iterator[Tagged]:
    """Retry each good record of a batch whose worker died as its own task, in a worker.

    The batch may have died for one record (a crash in native code) or only
    because it shared a worker with a task that did: alone, the innocent
    records come back tagged and only the culprit is lost.  Never in this
    process, which the culprit would kill too.  One at a time, so that the
    culprit shares its worker with no one.
    """
    for record in batch:
        if record.error is not None:
            yield record, None
            continue
        try:
            (paragraphs,) = submit([record.text or ""]).result()
        except Exception as exc:
            if _worker_died(exc):
                record.error = f"a worker died while tagging this record ({type(exc).__name__}: {exc})"
            else:
                record.error = f"tagging failed: {type(exc).__name__}: {exc}"
            yield record, None
        else:
            yield record, paragraphs


def _settle(
    tagger: Tagger,
    batch: list[InputRecord],
    future: FutureLike | None,
    submit: Callable[[list[str]], FutureLike],
) -> Iterator[Tagged]:
    try:
        results = future.result() if future is not None else []
    except Exception as exc:
        if _worker_died(exc):
            log.warning("a worker died while tagging a batch (%s: %s); retrying its records one by one on the workers", type(exc).__name__, exc)
            yield from _alone_on_workers(batch, submit)
            return
        log.warning("tagging a batch failed (%s: %s); tagging its records one by one", type(exc).__name__, exc)
        yield from _one_by_one(tagger, batch)
        return
    yield from _pairs(batch, results)


def ordered_results(
    tagger: Tagger,
    batches: Iterable[list[InputRecord]],
    submit: Callable[[list[str]], FutureLike],
    *,
    window: int,
) -> Iterator[Tagged]:
    """Send each batch's texts to ``submit`` and yield ``(record, paragraphs)`` in input order.

    At most ``window`` batches wait beyond the oldest one; an empty batch
    (the input is quiet) only hands on results that are done.  ``tagger``
    tags in this process when a submitted batch raises; when the batch's
    worker died instead, its records are retried one by one through
    ``submit``, so a record that kills workers costs only itself.
    """
    pending: deque[tuple[list[InputRecord], FutureLike | None]] = deque()
    try:
        for batch in batches:
            if batch:
                texts = _texts(batch)
                pending.append((batch, submit(texts) if texts else None))
            while pending and (len(pending) > window or pending[0][1] is None or pending[0][1].done()):
                yield from _settle(tagger, *pending.popleft(), submit)
        while pending:
            yield from _settle(tagger, *pending.popleft(), submit)
    finally:
        for _, future in pending:
            if future is not None:
                future.cancel()


class _Now:
    """A finished future: tagging in this process shares the code path of the others."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._exc: Exception | None = None
        self._value: Any = None
        try:
            self._value = fn(*args)
        except Exception as exc:
            self._exc = exc

    def done(self) -> bool:
        return True

    def result(self) -> Any:
        if self._exc is not None:
            raise self._exc
        return self._value

    def cancel(self) -> bool:
        return False


# Each worker is one of n_jobs processes: native thread pools inside it would
# only oversubscribe the cores (joblib limits its loky workers the same way).
_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _warm_up() -> None:
    import clustertags.trainer  # noqa: F401  (scikit-learn and the analyzer, as a model needs them)


class _Pool:
    """loky worker processes for one stream; a pool broken by a dead worker is replaced.

    Its own executor, not joblib's shared one, so ``Tagger.pipe`` and
    ``joblib.Parallel`` elsewhere in the program are not disturbed.
    """

    def __init__(self, n_jobs: int) -> None:
        self.n_jobs = n_jobs
        self._executor: Any = None

    def __enter__(self) -> _Pool:
        self._start()
        return self

    def _start(self) -> None:
        from joblib.externals.loky import ProcessPoolExecutor

        self._executor = ProcessPoolExecutor(max_workers=self.n_jobs, env=_ONE_THREAD)
        # Workers take seconds to start and import scikit-learn: begin now,
        # while this process is still writing the model file for them.
        for _ in range(self.n_jobs):
            self._executor.submit(_warm_up)

    def submit(self, fn: Callable[..., Any], *args: Any) -> FutureLike:
        try:
            return self._executor.submit(fn, *args)
        except concurrent.futures.BrokenExecutor:
            self._executor.shutdown(wait=False)
            self._start()
            return self._executor.submit(fn, *args)

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, kill_workers=exc[0] is not None)


def tag_records(
    tagger: Tagger,
    records: Iterable[InputRecord],
    *,
    batch_size: int = 256,
    n_jobs: int = 1,
) -> Generator[Tagged, None, None]:
    """Yield ``(record, paragraphs)`` in input order; ``paragraphs`` is None for error records.

    With ``n_jobs > 1`` batches are tagged by that many loky worker
    processes, each of which loads the model once, and at most
    ``2 * n_jobs`` batches are in flight.
    """
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be at least 1, got {n_jobs}")
    batches = read_ahead(records, batch_size)
    if n_jobs == 1:
        yield from ordered_results(tagger, batches, functools.partial(_Now, tagger.tag_many), window=0)
        return
    with _Pool(n_jobs) as pool, shipped(tagger) as path:
        yield from ordered_results(tagger, batches, functools.partial(pool.submit, _tag_batch, path), window=2 * n_jobs)
