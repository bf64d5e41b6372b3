"""Opening DuckDB connections and running statements as one transaction."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb

from simcash_db.errors import DamagedWalError, DatabaseInUseError

log = logging.getLogger("simcash_db")


def connect(db_path: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open ``db_path``.

    A file locked by another process raises DatabaseInUseError; a damaged
    write-ahead log raises DamagedWalError (the WAL is left untouched).
    """
    try:
        return duckdb.connect(db_path, read_only=read_only)
    except duckdb.Error as exc:
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
        raise


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
        except duckdb.Error:
            # A failed COMMIT may leave the transaction open: end it.
            with contextlib.suppress(duckdb.Error):
                conn.execute("ROLLBACK")
            raise


def fetch_one(
    conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> tuple[Any, ...] | None:
    """The first row of ``sql``, fetched so that no result stays open.

    duckdb 2.0 streams results: a half-read result blocks ``register`` and
    ``sql`` on its connection, so the library always fetches to the end.
    """
    found = conn.execute(sql, list(params)).fetchall()
    return found[0] if found else None
