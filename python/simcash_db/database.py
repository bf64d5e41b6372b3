"""DatabaseManager: one DuckDB connection and the unified schema it holds."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import duckdb
from typing_extensions import Unpack

from simcash_db import records
from simcash_db._native import release_buffers
from simcash_db.connection import connect, fetch_one, transaction
from simcash_db.deletion import delete_simulation
from simcash_db.errors import NotFoundError
from simcash_db.merge import BATCH_EVENTS, MergeResult, merge_shard
from simcash_db.models import SimulationRunRecord, TransactionRecord
from simcash_db.readers import (
    EventFilter,
    EventSelection,
    get_events,
    iter_event_lines,
    iter_events,
    query_events,
)
from simcash_db.schema import SchemaMismatch, drop_schema_sql, find_mismatches
from simcash_db.schema.lifecycle import (
    OUR_TABLES,
    check_version,
    create_schema,
    existing_tables,
    recorded_version,
    setup_schema,
)
from simcash_db.writers import (
    CHUNK_ROWS,
    DEFAULT_BATCH_SIZE,
    EncodedTables,
    EventWriter,
    encode_tables,
    model_for,
    store_tables,
    write_events,
    write_rows,
)

log = logging.getLogger("simcash_db")

_Item = TypeVar("_Item")


class DatabaseManager:
    """Owns one DuckDB connection (``conn``) and the unified schema.

    >>> with DatabaseManager(":memory:") as db:
    ...     db.setup()
    ...     db.validate_schema()
    True
    """

    def __init__(
        self, db_path: str | Path = "simulation_data.duckdb", *, read_only: bool = False
    ) -> None:
        if not isinstance(db_path, (str, os.PathLike)):
            # str() of anything else names a file: a connection passed here
            # would silently open "<duckdb.DuckDBPyConnection object at ...>".
            raise TypeError(f"db_path must be a str or a Path, not {type(db_path).__name__}")
        self.db_path = str(db_path)
        self.read_only = read_only
        self.conn: duckdb.DuckDBPyConnection = connect(self.db_path, read_only=read_only)
        self._closed = False

    # -- lifecycle -------------------------------------------------------

    def close(self) -> None:
        """Close the connection and free the encoders' spare buffers; safe to call twice."""
        if not self._closed:
            self._closed = True
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

    # -- simulation runs -------------------------------------------------

    def save_simulation_run(self, run: SimulationRunRecord) -> None:
        """Insert a run, or update it in place (status, end time, totals)."""
        with transaction(self.conn):
            records.upsert(self.conn, run)

    def update_simulation_run(self, run: SimulationRunRecord, fields: Iterable[str]) -> None:
        """Store ``fields`` of ``run`` (status, end time, totals: no key or
        foreign-key column) in its stored row, in one statement, as a
        recorder completing a run does; NotFoundError if it has no row."""
        names = tuple(fields)
        model = SimulationRunRecord
        indexed = {*model.key_columns, *(c for fk in model.foreign_keys for c in fk.columns)}
        if indexed.intersection(names):
            raise ValueError(f"use save_simulation_run to change {sorted(indexed & set(names))}")
        if not records.update(self.conn, run, names):
            raise NotFoundError(f"no simulation run {run.simulation_id!r} to update")

    def get_simulation_run(self, simulation_id: str) -> SimulationRunRecord | None:
        found = records.select(self.conn, SimulationRunRecord, "simulation_id = ?", [simulation_id])
        return found[0] if found else None

    def require_simulation_run(self, simulation_id: str) -> SimulationRunRecord:
        run = self.get_simulation_run(simulation_id)
        if run is None:
            raise NotFoundError(f"no simulation run {simulation_id!r} (create its run row first)")
        return run

    def list_simulation_runs(self, experiment_id: str | None = None) -> list[SimulationRunRecord]:
        """Runs, oldest first; only those of ``experiment_id`` when given."""
        where, params = (
            ("TRUE", []) if experiment_id is None else ("experiment_id = ?", [experiment_id])
        )
        return records.select(
            self.conn, SimulationRunRecord, where, params, order_by="start_time, simulation_id"
        )

    def delete_simulation(self, simulation_id: str) -> None:
        """Delete one run and everything stored for it (see ``simcash_db.deletion``)."""
        delete_simulation(self.conn, simulation_id)

    # -- writing simulation output ---------------------------------------

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # A cursor per call: threads may share this manager, and a cursor's
        # transaction and registered batches are its own.
        cursor = self.conn.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def write_events(
        self,
        simulation_id: str,
        events: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = CHUNK_ROWS,
        batch_id: str | None = None,
    ) -> int:
        """Store a run's events as one transaction: all land, or none do.

        ``events`` are the simulator's flat dicts (``event_type``, ``tick``,
        anything else), a list or any iterable. ``event_seq`` continues after
        the run's stored events; ``StateRegisterSet`` events also update
        ``agent_state_registers``. Returns the number of events written.
        DuckDB's append threads encode ``batch_size`` events at a time as they
        append them, so a generator given as ``events`` runs on those threads,
        not the caller's. A ``batch_id`` already stored for the run (a retry
        after a crash) writes nothing and returns 0.
        """
        with self._cursor() as cursor:
            return write_events(cursor, simulation_id, events, batch_size, batch_id)

    def event_writer(
        self,
        simulation_id: str,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        encode_overlap: bool = True,
        quick_switching: bool = True,
    ) -> EventWriter:
        """A streaming writer for a long run; use it as a context manager.
        ``encode_overlap=False`` for a caller that hands events over between
        work of its own, not back to back; ``quick_switching=False`` leaves
        the GIL switch interval alone (see ``EventWriter``)."""
        cursor = self.conn.cursor()
        try:
            return EventWriter(
                cursor,
                simulation_id,
                batch_size,
                encode_overlap=encode_overlap,
                quick_switching=quick_switching,
            )
        except BaseException:
            cursor.close()
            raise

    def write_transactions(
        self, simulation_id: str, transactions: Iterable[Mapping[str, Any]]
    ) -> int:
        """Store a run's transaction rows as one transaction.

        ``simulation_id`` is the run's id: a row need not carry one, and a
        ``simulation_id`` it carries (a simulator's own internal run id) is
        replaced by it, as the simulator's own persistence did.
        """
        with self._cursor() as cursor:
            return write_rows(
                cursor,
                TransactionRecord,
                transactions,
                {"simulation_id": simulation_id},
                replace=True,
            )

    def write_rows(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        simulation_id: str | None = None,
        replace: bool = False,
    ) -> int:
        """Store rows of a per-simulation table as one transaction.

        Each row names its ``simulation_id``, or ``simulation_id`` gives it
        for all of them; a row naming another is refused, unless ``replace``
        (a simulator's rows carrying its own internal run id).
        """
        model = model_for(table)
        constants = None if simulation_id is None else {"simulation_id": simulation_id}
        with self._cursor() as cursor:
            return write_rows(cursor, model, rows, constants, replace=replace)

    def write_tables(
        self,
        tables: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        simulation_id: str,
        replace: bool = False,
    ) -> dict[str, int]:
        """``write_rows`` for several per-simulation tables of one run, in one
        transaction (all land or none do); returns the rows of each table."""
        return self.write_encoded(
            self.encode_tables(tables, simulation_id=simulation_id, replace=replace)
        )

    def encode_tables(
        self,
        tables: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        simulation_id: str,
        replace: bool = False,
    ) -> EncodedTables:
        """The first half of ``write_tables``: the rows encoded, nothing
        stored (no database access: any thread may call it); ``write_encoded``
        stores them. Encoding where the rows were just built is faster."""
        return encode_tables(
            [(model_for(table), rows) for table, rows in tables.items()],
            {"simulation_id": simulation_id},
            replace=replace,
        )

    def write_encoded(self, encoded: EncodedTables) -> dict[str, int]:
        """The second half of ``write_tables``: store what ``encode_tables``
        encoded, in one transaction; returns the rows of each table."""
        with self._cursor() as cursor:
            store_tables(cursor, encoded)
        return encoded.rows

    def merge(self, shard_path: str | Path, *, batch_events: int = BATCH_EVENTS) -> MergeResult:
        """Fold a worker's shard (a simcash-db database of its own) into this one:
        whole runs per transaction (up to ``batch_events`` events each), runs
        already here skipped, a run here with other content refused by name
        (see ``simcash_db.merge``)."""
        return merge_shard(self.conn, shard_path, batch_events=batch_events)

    # -- reading simulation output ---------------------------------------

    def get_events(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> list[dict[str, Any]]:
        """A run's events as the dicts the simulator handed in, in write order.

        Keyword filters (``EventSelection``): ``tick``, ``tick_range``,
        ``day``, ``agent_id``, ``tx_id``, ``event_type``, ``limit``, ``offset``.
        """
        with self._cursor() as cursor:
            return get_events(cursor, simulation_id, EventFilter(**selection))

    def iter_events(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> Iterator[dict[str, Any]]:
        """``get_events`` one event at a time, in bounded memory (pages of
        ``PAGE_EVENTS``), from one snapshot of the run: for replaying long runs.

        >>> with DatabaseManager(":memory:") as db:
        ...     db.setup()
        ...     sum(1 for _ in db.iter_events("no-such-run"))
        0
        """
        return self._read_pages(iter_events, simulation_id, EventFilter(**selection))

    def iter_event_lines(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> Iterator[bytes]:
        """The events of ``iter_events`` as JSON lines (UTF-8, one event per line),
        in blocks of whole lines: what ``simcash-db replay`` prints.

        >>> with DatabaseManager(":memory:") as db:
        ...     db.setup()
        ...     b"".join(db.iter_event_lines("no-such-run"))
        b''
        """
        return self._read_pages(iter_event_lines, simulation_id, EventFilter(**selection))

    def _read_pages(
        self,
        read: Callable[[duckdb.DuckDBPyConnection, str, EventFilter], Iterator[_Item]],
        simulation_id: str,
        selection: EventFilter,
    ) -> Iterator[_Item]:
        # A generator of its own, so the filter is checked when the call is
        # made, not at the first step of the iteration.
        with self._cursor() as cursor:
            yield from read(cursor, simulation_id, selection)

    def query_events(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> duckdb.DuckDBPyRelation:
        """A run's events as a DuckDB relation (``.pl()``, ``.to_arrow_table()``, ``.df()``);
        the same keyword filters as ``get_events``."""
        # A cursor of its own: a half-read result of this relation (say, an
        # Arrow reader) must not block the manager's connection.
        return query_events(self.conn.cursor(), simulation_id, EventFilter(**selection))
