"""Exception and warning classes.

Every error also inherits the built-in exception a caller would expect
(``ValueError``, ``OSError``...), so existing ``except`` clauses keep working.
"""

from __future__ import annotations

__all__ = [
    "ClusterTagsError",
    "CorpusError",
    "ModelError",
    "ModelIntegrityError",
    "ModelRebuiltWarning",
    "InputError",
]


class ClusterTagsError(Exception):
    """Base class of every error raised by clustertags."""


class CorpusError(ClusterTagsError, ValueError):
    """A corpus file or record is malformed.

    Attributes ``path``, ``line`` and ``field`` say where, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InputError(ClusterTagsError, ValueError):
    """An input record for tagging is malformed (used by the streaming readers)."""


class ModelError(ClusterTagsError, OSError):
    """A model file is missing, unreadable or incompatible."""


class ModelIntegrityError(ModelError):
    """A model file does not match the sha256 recorded in its model card.

    Joblib files run code when loaded, so such a file is never unpickled.
    """


class ModelRebuiltWarning(UserWarning):
    """The bundled model was rebuilt locally because the installed scikit-learn differs."""
