"""Files that appear whole or not at all: a temporary file beside the target, then a rename.

A crash or an interrupt while writing leaves the previous file (or none),
never half of a new one.  Only a hard kill (SIGKILL, power loss) in the
middle of a write can leave a hidden ``.NAME.*.tmp`` file behind; the file
called ``NAME`` is always complete.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["AtomicTextFile", "atomic_write_bytes", "stage_bytes", "commit", "discard"]


def _mode_for(path: Path) -> int:
    """The permissions ``open(path, "w")`` would give: the old file's, else 0o666 minus the umask.

    ``mkstemp`` creates files readable by their owner only, which would make
    a model or output file unreadable to the rest of a team.
    """
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _temp_beside(path: Path) -> tuple[int, str]:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # name the file asked for, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    if hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):
            os.fchmod(fd, _mode_for(path))
    return fd, tmp


def discard(tmp: str | os.PathLike[str]) -> None:
    """Remove a temporary file, if it is still there."""
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def stage_bytes(path: str | os.PathLike[str], data: bytes) -> str:
    """Write ``data`` to a synced temporary file beside ``path``; return its name.

    :func:`commit` renames it over ``path``; :func:`discard` drops it.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(p)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        discard(tmp)
        raise
    return tmp


def commit(tmp: str, path: str | os.PathLike[str]) -> None:
    """Rename the staged file ``tmp`` over ``path`` (atomic on POSIX and Windows)."""
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise
    _fsync_dir(Path(path).parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A crash leaves either the old file or the new one, never half of one.
    """
    commit(stage_bytes(path, data), path)


class AtomicTextFile(io.TextIOWrapper):
    """A text file written under a temporary name; :meth:`close` renames it over ``path``.

    :meth:`discard` (or garbage collection without ``close``) drops the
    temporary file, so an interrupted run leaves the old ``path`` untouched.
    """

    def __init__(self, path: str | os.PathLike[str], *, encoding: str = "utf-8", errors: str = "strict", newline: str | None = None) -> None:
        self.path = Path(path)
        fd, self.temp_path = _temp_beside(self.path)
        self.discarded = False
        try:
            super().__init__(open(fd, "wb"), encoding=encoding, errors=errors, newline=newline)
        except BaseException:
            os.close(fd)
            discard(self.temp_path)
            raise

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.flush()
            os.fsync(self.fileno())
            super().close()
        except BaseException:
            self.discard()
            raise
        commit(self.temp_path, self.path)

    def discard(self) -> None:
        """Drop what was written; ``path`` keeps its old content (or stays absent)."""
        self.discarded = True
        if not self.closed:
            with contextlib.suppress(OSError, ValueError):
                super().close()
        discard(self.temp_path)

    def __del__(self) -> None:
        # Never publish a file nobody closed: it may be half written.
        with contextlib.suppress(Exception):
            if not self.closed:
                self.discard()
