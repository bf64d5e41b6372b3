"""DatabaseManager: one DuckDB connection and the unified schema it holds.

Its lifecycle and schema are here; a run's row, its events and its other
tables are the parts it is made of (``runs``, ``events``, ``rows``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import TracebackType

import duckdb

from simcash_db._native import release_buffers
from simcash_db.connection import connect, fetch_one, transaction
from simcash_db.database.events import RunEvents
from simcash_db.database.rows import RunTables
from simcash_db.database.runs import RunRows
from simcash_db.live import ReadService, open_claiming
from simcash_db.schema import SchemaMismatch, drop_schema_sql, find_mismatches
from simcash_db.schema.lifecycle import (
    OUR_TABLES,
    check_version,
    create_schema,
    existing_tables,
    recorded_version,
    setup_schema,
)

log = logging.getLogger("simcash_db")


class DatabaseManager(RunRows, RunEvents, RunTables):
    """Owns one DuckDB connection (``conn``) and the unified schema.

    Opened for writing on a file, it also answers other processes' reads of
    that file while it holds it (``share_reads``; see ``simcash_db.live``), and
    a dashboard (``simcash-db serve``) holding the file lets go of it.

    Examples:
        >>> with DatabaseManager(":memory:") as db:
        ...     db.setup()
        ...     db.validate_schema()
        True
    """

    def __init__(
        self,
        db_path: str | Path = "simulation_data.duckdb",
        *,
        read_only: bool = False,
        share_reads: bool = True,
    ) -> None:
        if not isinstance(db_path, (str, os.PathLike)):
            # str() of anything else names a file: a connection passed here
            # would silently open "<duckdb.DuckDBPyConnection object at ...>".
            raise TypeError(f"db_path must be a str or a Path, not {type(db_path).__name__}")
        self.db_path = str(db_path)
        self.read_only = read_only
        self.conn: duckdb.DuckDBPyConnection = open_claiming(
            self.db_path, lambda: connect(self.db_path, read_only=read_only)
        )
        self._closed = False
        # While this process holds the file, it answers other processes' reads
        # (simcash-db's read commands, serve): see simcash_db.live.
        self._reads: ReadService | None = None
        if share_reads and not read_only and self.db_path != ":memory:":
            try:
                self._reads = ReadService(self.conn, self.db_path)
            except OSError as exc:  # a folder the advert cannot be written to
                log.warning("not answering reads of %s: %s", self.db_path, exc)

    # -- lifecycle -------------------------------------------------------

    def close(self) -> None:
        """Close the connection and free the encoders' spare buffers; safe to call twice."""
        if not self._closed:
            self._closed = True
            if self._reads is not None:
                self._reads.close()
            self.conn.close()
            release_buffers()

    def __enter__(self) -> DatabaseManager:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- schema ----------------------------------------------------------

    def schema_version(self) -> int | None:
        """The schema version recorded in the database, or None if none is."""
        return recorded_version(self.conn, existing_tables(self.conn))

    def is_initialized(self) -> bool:
        """Whether the schema has been created in this database."""
        return self.schema_version() is not None

    def initialize_schema(self, force_recreate: bool = False) -> None:
        """Create every table, index and sequence (parents first); idempotent.

        With ``force_recreate`` our tables are dropped first (children first);
        tables that are not simcash-db's are never touched.
        """
        if force_recreate:
            with transaction(self.conn):
                for statement in drop_schema_sql():
                    self.conn.execute(statement)
        else:
            check_version(self.conn, self.db_path)
        create_schema(self.conn)

    def schema_mismatches(self) -> list[SchemaMismatch]:
        """Every difference between the database and the models (empty when they match)."""
        return find_mismatches(self.conn)

    def validate_schema(self) -> bool:
        """Whether the database matches the models; see ``schema_mismatches`` for why not."""
        return not self.schema_mismatches()

    def setup(self) -> None:
        """Initialise if needed, migrate, and validate; raise SchemaError on any mismatch."""
        setup_schema(self.conn, self.db_path, read_only=self.read_only)

    def table_counts(self) -> dict[str, int]:
        """Row count of each simcash-db table that exists, in dependency order."""
        existing = existing_tables(self.conn)
        counts = {}
        for table in OUR_TABLES:
            if table in existing:
                row = fetch_one(self.conn, f"SELECT count(*) FROM {table}")
                counts[table] = int(row[0]) if row else 0
        return counts
