"""The exceptions simcash-db raises; catch :class:`SimcashDbError` for all of them."""

from __future__ import annotations

from collections.abc import Sequence

from simcash_db._native import EncodeError, SimcashDbError

__all__ = [
    "DatabaseInUseError",
    "EncodeError",
    "NotFoundError",
    "SchemaError",
    "SchemaVersionError",
    "SimcashDbError",
    "WriteError",
]


class SchemaError(SimcashDbError):
    """The database does not match the models; ``mismatches`` lists every difference."""

    def __init__(self, message: str, mismatches: Sequence[object] | None = None) -> None:
        super().__init__(message)
        self.mismatches = list(mismatches or [])


class SchemaVersionError(SchemaError):
    """The database was written by another schema version; nothing was touched."""


class NotFoundError(SimcashDbError, LookupError):
    """A referenced experiment or simulation does not exist."""


class WriteError(SimcashDbError):
    """A write was refused or failed; nothing of the failed batch is stored."""


class DatabaseInUseError(SimcashDbError):
    """Another process holds the database file's write lock."""
