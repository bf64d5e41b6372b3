"""Opening DuckDB connections and running statements as one transaction."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from simcash_db.errors import (
    DamagedDatabaseError,
    DamagedWalError,
    DatabaseFileError,
    DatabaseInUseError,
)
from simcash_db.interrupts import interrupts_as_keyboard, is_interrupt

__all__ = ["connect", "fetch_one", "is_interrupt", "sql_string", "transaction"]

log = logging.getLogger("simcash_db")


def connect(db_path: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open ``db_path``.

    A file locked by another process raises DatabaseInUseError; a damaged
    write-ahead log raises DamagedWalError (the WAL is left untouched); a
    path that cannot hold a database (not a DuckDB file, a directory, a
    missing or unwritable folder) raises DatabaseFileError saying which.
    """
    try:
        return duckdb.connect(db_path, read_only=read_only)
    except duckdb.Error as exc:
        if "corrupt database file" in str(exc).lower():
            raise DamagedDatabaseError(
                f"{db_path} does not open: {exc}. A kill inside a checkpoint does this; "
                f"'simcash-db recover {db_path}' mends the file (it keeps the damaged one)."
            ) from exc
        if "wal" in str(exc).lower() and not isinstance(exc, duckdb.IOException):
            raise DamagedWalError(
                f"the write-ahead log of {db_path!r} is damaged ({exc}). simcash-db has not "
                f"changed it. Keep a copy of {db_path}.wal; moving it away opens the "
                "database without the commits that only it holds."
            ) from exc
        if not isinstance(exc, duckdb.IOException):
            raise
        text = str(exc)
        if "lock" in text.lower():
            # DuckDB's message names the process holding the lock: keep it whole.
            raise DatabaseInUseError(
                f"database {db_path!r} is in use by another process "
                f"(DuckDB allows one writing process per file): {text}"
            ) from exc
        raise DatabaseFileError(_file_problem(db_path, text)) from exc


def _file_problem(db_path: str, text: str) -> str:
    """What is wrong with ``db_path``, from DuckDB's IOException, said for a user."""
    path = Path(db_path)
    folder = path.parent if str(path.parent) else Path(".")
    lowered = text.lower()
    if "not a valid duckdb database" in lowered:
        return (
            f"{db_path!r} is not a DuckDB database (it exists, but holds something else); "
            "give the path of a simcash-db database, or of a new file"
        )
    if "is a directory" in lowered or path.is_dir():
        return (
            f"{db_path!r} is a directory; give the path of a database file, "
            f"e.g. {str(path / 'simulation_data.duckdb')!r}"
        )
    if "no such file" in lowered and not folder.exists():
        return f"the folder {str(folder)!r} does not exist; create it first, or choose another path"
    if "permission denied" in lowered or "read-only" in lowered:
        return (
            f"cannot open {db_path!r} for writing: permission denied "
            f"(can this user write to the folder {str(folder)!r}?)"
        )
    return f"cannot open {db_path!r}: {text}"


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block as one transaction: all of it commits, or none of it does."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except duckdb.Error as rollback_error:  # the connection may be invalidated
            log.warning("rollback failed: %s", rollback_error)
        raise
    else:
        try:
            conn.execute("COMMIT")
        except (duckdb.Error, RuntimeError) as exc:
            # A failed COMMIT may leave the transaction open: end it.
            with contextlib.suppress(duckdb.Error, RuntimeError):
                conn.execute("ROLLBACK")
            if is_interrupt(exc):
                raise KeyboardInterrupt from exc
            raise


def sql_string(text: str | Path) -> str:
    """``text`` as an SQL string literal, for the few places DuckDB takes no
    bound parameter (a file path in ATTACH or COPY, a DEFAULT in DDL).

    Examples:
        >>> sql_string("it's")
        "'it''s'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def fetch_one(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[object] | Mapping[str, object] = (),
) -> tuple[Any, ...] | None:
    """The first row of ``sql``, fetched so that no result stays open.

    duckdb 2.0 streams results: a half-read result blocks ``register`` and
    ``sql`` on its connection, so the library always fetches to the end.
    """
    bound = dict(params) if isinstance(params, Mapping) else list(params)
    with interrupts_as_keyboard():
        found = conn.execute(sql, bound).fetchall()
    return found[0] if found else None
