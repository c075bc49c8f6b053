"""Tag a stream of :class:`InputRecord` in order, batching texts to the model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..parallel import batched, map_batches, shipped
from .readers import InputRecord

if TYPE_CHECKING:
    from ..tagger import ParagraphTags, Tagger

__all__ = ["tag_records"]


def _tag_batch(
    tagger: Tagger, batch: list[InputRecord], n_jobs: int, batch_size: int, path: str | None
) -> list[list[ParagraphTags] | None]:
    good = [r for r in batch if r.error is None]
    results = iter(map_batches(tagger, [r.text or "" for r in good], batch_size=batch_size, n_jobs=n_jobs, shipped_path=path))
    return [None if r.error is not None else next(results) for r in batch]


def tag_records(
    tagger: Tagger,
    records: Iterable[InputRecord],
    *,
    batch_size: int = 256,
    n_jobs: int = 1,
) -> Iterator[tuple[InputRecord, list[ParagraphTags] | None]]:
    """Yield ``(record, paragraphs)`` in input order; ``paragraphs`` is None for error records.

    With ``n_jobs > 1`` a window of ``4 * n_jobs`` batches is tagged at a time
    by worker processes, so memory stays flat on endless streams while the
    workers stay busy.
    """
    if n_jobs == 1:
        for chunk in batched(records, batch_size):  # type: ignore[arg-type]
            yield from zip(chunk, _tag_batch(tagger, chunk, 1, batch_size, None))
        return
    with shipped(tagger) as path:
        for chunk in batched(records, batch_size * 4 * n_jobs):  # type: ignore[arg-type]
            yield from zip(chunk, _tag_batch(tagger, chunk, n_jobs, batch_size, path))
