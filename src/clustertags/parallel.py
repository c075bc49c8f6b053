"""Tagging a stream of documents in batches, in this process or in worker processes.

Workers get the model once: it is written to a temporary file, and each worker
process loads it from there on its first batch and keeps it (an
``lru_cache``), so a task carries only a batch of texts and a path.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tagger import ParagraphTags, Tagger

__all__ = ["batched", "map_batches", "shipped"]


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Lists of at most ``size`` consecutive items."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


@functools.lru_cache(maxsize=4)
def _worker_tagger(path: str) -> Tagger:
    import joblib

    return joblib.load(path)  # written by this library a moment ago, see map_batches


def _tag_batch(path: str, batch: list[str]) -> list[list[ParagraphTags]]:
    return _worker_tagger(path).tag_many(batch)


@contextlib.contextmanager
def shipped(tagger: Tagger) -> Iterator[str]:
    """Write ``tagger`` to a temporary file for worker processes; removed on exit."""
    import joblib

    fd, path = tempfile.mkstemp(prefix="clustertags-", suffix=".joblib")
    os.close(fd)
    try:
        joblib.dump(tagger, path)
        yield path
    finally:
        os.unlink(path)


def map_batches(
    tagger: Tagger,
    texts: Iterable[str],
    *,
    batch_size: int = 256,
    n_jobs: int = 1,
) -> Iterator[list[ParagraphTags]]:
    """Yield ``tagger.tag`` of each text, in input order.

    With ``n_jobs > 1``, batches go to joblib's loky workers, which load the
    model once each from a file written by :func:`shipped`.
    """
    if n_jobs is None or n_jobs == 1:
        for batch in batched(texts, batch_size):
            yield from tagger.tag_many(batch)
        return
    from joblib import Parallel, delayed

    with shipped(tagger) as path:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs")
        for result in parallel(delayed(_tag_batch)(path, b) for b in batched(texts, batch_size)):
            yield from result
