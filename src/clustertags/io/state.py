"""Polling state: what a cron job has already fetched and tagged, feed by feed.

For each feed (a URL or a file name) the state keeps the ``ETag`` and
``Last-Modified`` of the copy last read in full, so the next run can ask
"only if changed" and the server can answer 304, and the ids of the entries
whose output was written, so only new entries are tagged.

Order matters for a crash: an entry is remembered only after its output
record is written, and a feed's validators only after every new entry of
that copy is, so a run killed half-way tags the missing entries next time
(some may be tagged twice; none is lost).  The file is replaced atomically
(temporary file, fsync, rename), so it is always either the old state or the
new one.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import atomic_write_bytes
from .readers import InputRecord

__all__ = ["PollState", "MAX_SEEN"]

_FORMAT = "clustertags-poll-state"
_FORMAT_VERSION = 1

#: Entry ids remembered per feed; the oldest are forgotten first.  Feeds list
#: their latest few dozen entries, so an entry that old never comes back.
MAX_SEEN = 10_000


@dataclass
class _Feed:
    etag: str | None = None
    last_modified: str | None = None
    seen: dict[str, None] = field(default_factory=dict)  # an ordered set

    def to_json(self) -> dict[str, Any]:
        return {"etag": self.etag, "last_modified": self.last_modified, "seen": list(self.seen)}


@dataclass
class _Pending:
    """A copy of a feed being read: its validators wait for its new entries to be written."""

    etag: str | None
    last_modified: str | None
    waiting: set[str] = field(default_factory=set)
    reading: bool = True
    complete: bool = True


class PollState:
    """The polling state kept in one JSON file; see the module docstring.

    Use :meth:`load`, pass it to :func:`clustertags.io.sources.iter_inputs`,
    call :meth:`written` after writing each output record, and :meth:`save`
    at the end.  The methods may be called from a reader thread and the
    writing thread at once.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._feeds: dict[str, _Feed] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.RLock()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PollState:
        """The state in ``path``, or an empty state when the file does not exist yet."""
        state = cls(path)
        try:
            raw = state.path.read_bytes()
        except FileNotFoundError:
            return state
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(
                f"state file {str(state.path)!r} is not valid JSON ({exc}); delete it to start afresh "
                "(every entry will be tagged again)"
            ) from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(
                f"{str(state.path)!r} is not a clustertags polling state file; pass another --state path"
            )
        if data.get("format_version") != _FORMAT_VERSION:
            raise ValueError(
                f"state file {str(state.path)!r} has format {data.get('format_version')}, this clustertags "
                f"reads format {_FORMAT_VERSION}; delete it to start afresh"
            )
        for source, feed in data.get("feeds", {}).items():
            state._feeds[source] = _Feed(
                feed.get("etag"), feed.get("last_modified"), dict.fromkeys(str(i) for i in feed.get("seen", []))
            )
        return state

    # -- what the fetcher and the feed reader ask -------------------------
    def conditional_headers(self, source: str) -> dict[str, str]:
        """``If-None-Match``/``If-Modified-Since`` for the copy of ``source`` last read in full."""
        with self._lock:
            feed = self._feeds.get(source)
            headers = {}
            if feed is not None and feed.etag:
                headers["If-None-Match"] = feed.etag
            if feed is not None and feed.last_modified:
                headers["If-Modified-Since"] = feed.last_modified
            return headers

    def begin(self, source: str, *, etag: str | None = None, last_modified: str | None = None) -> None:
        """Start reading a copy of ``source`` whose validators are ``etag`` and ``last_modified``."""
        with self._lock:
            pending = self._pending.get(source)
            if pending is None:
                self._pending[source] = _Pending(etag, last_modified)
            else:  # the same feed listed twice in one run
                pending.etag, pending.last_modified, pending.reading = etag, last_modified, True

    def expect(self, source: str, entry_id: Any) -> bool:
        """True when entry ``entry_id`` of ``source`` is new; it is then awaited by :meth:`written`."""
        key = str(entry_id)
        with self._lock:
            pending = self._pending[source]
            feed = self._feeds.get(source)
            if key in pending.waiting or (feed is not None and key in feed.seen):
                return False
            pending.waiting.add(key)
            return True

    def finish(self, source: str, *, complete: bool) -> None:
        """All of ``source`` has been read; ``complete`` is False when the feed failed as a whole."""
        with self._lock:
            pending = self._pending.get(source)
            if pending is None:
                return
            pending.reading = False
            pending.complete = pending.complete and complete
            self._settle(source)

    # -- what the writer says ----------------------------------------------
    def written(self, record: InputRecord) -> None:
        """Remember ``record``'s entry once its output (a result or an error) is written."""
        if record.id is None:
            return
        key = str(record.id)
        with self._lock:
            pending = self._pending.get(record.source)
            if pending is None or key not in pending.waiting:
                return
            pending.waiting.discard(key)
            feed = self._feeds.setdefault(record.source, _Feed())
            feed.seen[key] = None
            while len(feed.seen) > MAX_SEEN:
                del feed.seen[next(iter(feed.seen))]
            self._settle(record.source)

    def _settle(self, source: str) -> None:
        pending = self._pending[source]
        if pending.reading or pending.waiting:
            return
        del self._pending[source]
        if pending.complete and (pending.etag or pending.last_modified):
            feed = self._feeds.setdefault(source, _Feed())
            feed.etag, feed.last_modified = pending.etag, pending.last_modified
        self.save()

    # -- inspection and persistence ------------------------------------------
    def seen(self, source: str) -> frozenset[str]:
        """Ids of the entries of ``source`` already tagged."""
        with self._lock:
            feed = self._feeds.get(source)
            return frozenset(feed.seen) if feed is not None else frozenset()

    def validators(self, source: str) -> tuple[str | None, str | None]:
        """``(etag, last_modified)`` of the copy of ``source`` last read in full."""
        with self._lock:
            feed = self._feeds.get(source)
            return (feed.etag, feed.last_modified) if feed is not None else (None, None)

    def save(self) -> None:
        """Write the state to its file atomically: a crash leaves the old file or the new one."""
        with self._lock:
            data = {
                "format": _FORMAT,
                "format_version": _FORMAT_VERSION,
                "feeds": {source: feed.to_json() for source, feed in self._feeds.items()},
            }
            atomic_write_bytes(self.path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))

    def __repr__(self) -> str:
        return f"PollState({str(self.path)!r}, feeds={len(self._feeds)})"
