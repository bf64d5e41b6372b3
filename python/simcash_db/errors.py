"""The exceptions simcash-db raises; catch :class:`SimcashDbError` for all of them."""

from __future__ import annotations

from collections.abc import Sequence

from simcash_db._native import EncodeError, SimcashDbError

__all__ = [
    "DamagedDatabaseError",
    "DamagedWalError",
    "DatabaseFileError",
    "DatabaseInUseError",
    "EncodeError",
    "LiveReadError",
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


class DatabaseFileError(SimcashDbError, OSError):
    """The path cannot hold a database: not a DuckDB file, a directory, a
    folder that does not exist or cannot be written."""


class DamagedDatabaseError(SimcashDbError):
    """The database file does not open: a kill inside a DuckDB checkpoint
    tore a block. ``simcash-db recover DB`` (``simcash_db.recover``) mends it."""


class LiveReadError(SimcashDbError):
    """The process holding a database did not answer a read, or refused it."""


class DamagedWalError(SimcashDbError):
    """The database's write-ahead log is damaged; simcash-db left it as it is."""


# Failures of the file system under DuckDB (full disk, file size limit, I/O).
_STORAGE_FAILURES = ("could not write", "no space", "file too large", "invalidated", "i/o error")


def write_failure(what: str, exc: BaseException) -> WriteError:
    """The WriteError for a failed write; says to reopen when storage failed.

    After a storage failure DuckDB may invalidate the database instance, so
    the one safe next step is to close the manager and open the file again:
    what was committed before is kept.
    """
    text = str(exc)
    if any(marker in text.lower() for marker in _STORAGE_FAILURES):
        return WriteError(
            f"{what} failed and nothing of it is stored: the storage refused the write "
            f"({text}). Free space if needed, then close this DatabaseManager and open the "
            "database again; everything committed before is kept."
        )
    return WriteError(f"{what} failed and nothing of it is stored: {text}")
