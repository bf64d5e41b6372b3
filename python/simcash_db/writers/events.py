"""Writing a simulation's events: all at once, or streamed batch by batch.

Encoding (Rust, holding the GIL) of one batch overlaps with DuckDB's append
of the previous one (DuckDB releases the GIL) through an ``IngestPipeline``,
so at most two batches are in memory at any time.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from types import TracebackType
from typing import Any

import duckdb

from simcash_db._native import ArrowBatch, encode_events
from simcash_db.connection import fetch_one
from simcash_db.errors import NotFoundError, WriteError, write_failure
from simcash_db.models import AgentStateRegisterRecord
from simcash_db.writers.ingest import append, registered
from simcash_db.writers.pipeline import IngestPipeline, Started

log = logging.getLogger("simcash_db")

Event = Mapping[str, Any]

#: Rows per encoded batch: two DuckDB row groups (122,880 rows each). An
#: append of whole row groups is written straight to the file; a smaller one
#: goes through the WAL and is written twice (3x slower, measured).
DEFAULT_BATCH_SIZE = 2 * 122_880

_REGISTER_KEY = AgentStateRegisterRecord.key_columns


AUTO_BATCH_PREFIX = "auto:"


def auto_batch_id(first_seq: int) -> str:
    """The id of a batch the caller did not name: its first ``event_seq``."""
    return f"{AUTO_BATCH_PREFIX}{first_seq}"


def stored_batch_ids(cursor: duckdb.DuckDBPyConnection, simulation_id: str) -> set[str]:
    rows = cursor.execute(
        "SELECT batch_id FROM event_batches WHERE simulation_id = ?", [simulation_id]
    ).fetchall()
    return {batch_id for (batch_id,) in rows}


def record_batch(
    cursor: duckdb.DuckDBPyConnection, simulation_id: str, batch_id: str, first_seq: int, count: int
) -> None:
    """The batch's ledger row, in the batch's own transaction: both land or neither."""
    cursor.execute(
        "INSERT INTO event_batches VALUES (?, ?, ?, ?)", [simulation_id, batch_id, first_seq, count]
    )


def run_layout(cursor: duckdb.DuckDBPyConnection, simulation_id: str) -> tuple[int, int]:
    """(ticks_per_day, next event_seq) of a run; NotFoundError if it has no row."""
    row = fetch_one(
        cursor,
        "SELECT ticks_per_day, (SELECT coalesce(max(event_seq) + 1, 0) FROM simulation_events "
        "WHERE simulation_id = ?) FROM simulation_runs WHERE simulation_id = ?",
        [simulation_id, simulation_id],
    )
    if row is None:
        raise NotFoundError(
            f"no simulation run {simulation_id!r}: save its simulation_runs row before its events"
        )
    return int(row[0]), int(row[1])


def append_encoded(
    cursor: duckdb.DuckDBPyConnection,
    events: ArrowBatch,
    registers: ArrowBatch,
    started: Started | None = None,
) -> int:
    """Append one encoded batch inside the caller's transaction; returns its rows.

    A register set again in a tick replaces the stored value: the last
    ``StateRegisterSet`` in a tick wins, also across batches.
    """
    with registered(cursor, events) as view:
        append(cursor, "simulation_events", view, events.column_names, started)
    if registers.num_rows:
        with registered(cursor, registers) as view:
            # Only stored rows from the batch's first tick on can share a key;
            # the bound lets DuckDB's zone maps skip the rest of the table.
            row = fetch_one(cursor, f"SELECT min(tick), any_value(simulation_id) FROM {view}")
            assert row is not None
            same_key = " AND ".join(f"r.{k} = v.{k}" for k in _REGISTER_KEY)
            cursor.execute(
                f"DELETE FROM agent_state_registers r USING {view} v "
                f"WHERE r.simulation_id = ? AND r.tick >= ? AND {same_key}",
                [row[1], row[0]],
            )
            append(cursor, "agent_state_registers", view, registers.column_names)
    return events.num_rows


def check_batch_id(batch_id: str) -> None:
    if not isinstance(batch_id, str) or not batch_id or batch_id.startswith(AUTO_BATCH_PREFIX):
        raise ValueError(
            f"batch_id must be a non-empty str not starting with {AUTO_BATCH_PREFIX!r}, "
            f"got {batch_id!r}"
        )


def chunks(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    if isinstance(events, list):
        for start in range(0, len(events), size):
            yield events[start : start + size]
        return
    iterator = iter(events)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def write_events(
    cursor: duckdb.DuckDBPyConnection,
    simulation_id: str,
    events: Iterable[Event],
    batch_size: int = DEFAULT_BATCH_SIZE,
    batch_id: str | None = None,
) -> int:
    """Write all ``events`` of a run as one transaction; returns how many.

    ``event_seq`` continues after the run's stored events. Nothing is written
    if any event is bad (EncodeError names the row and the field). With a
    ``batch_id`` already stored for the run, nothing is written and 0 returned.
    """
    ticks_per_day, next_seq = run_layout(cursor, simulation_id)
    if batch_id is not None:
        check_batch_id(batch_id)
        if batch_id in stored_batch_ids(cursor, simulation_id):
            log.info("batch %r of %r is stored already: skipped", batch_id, simulation_id)
            return 0
    written = 0
    pipeline = IngestPipeline("simcash-ingest")
    cursor.execute("BEGIN TRANSACTION")
    try:
        for chunk in chunks(events, batch_size):
            encoded, registers = encode_events(
                chunk, simulation_id, next_seq + written, ticks_per_day, written
            )
            pipeline.submit(partial(append_encoded, cursor, encoded, registers))
            written += encoded.num_rows
        pipeline.wait()
        if batch_id is not None or written:
            # An unnamed empty write stores nothing, its ledger row included.
            record_batch(
                cursor, simulation_id, batch_id or auto_batch_id(next_seq), next_seq, written
            )
        cursor.execute("COMMIT")
    except BaseException as exc:
        pipeline.abandon()
        _rollback(cursor)
        if isinstance(exc, duckdb.Error):
            raise write_failure(f"writing events of {simulation_id!r}", exc) from exc
        raise
    finally:
        pipeline.close()
    return written


def _rollback(cursor: duckdb.DuckDBPyConnection) -> None:
    try:
        cursor.execute("ROLLBACK")
    except duckdb.Error:  # no transaction left (a failed COMMIT ends it), or invalidated
        log.debug("nothing to roll back", exc_info=True)


class EventWriter:
    """Streams a long run's events to the database in committed batches.

    Memory stays bounded by ``batch_size``, not by the run's length. Each
    flushed batch is its own transaction. If the block raises, events not
    yet flushed are dropped and the committed batches stay; ``committed``
    says how many events are stored.

    >>> from simcash_db import DatabaseManager
    >>> from simcash_db.models import SimulationRunRecord
    >>> from datetime import datetime
    >>> db = DatabaseManager(":memory:"); db.setup()
    >>> db.save_simulation_run(SimulationRunRecord(simulation_id="run-1", config_name="c",
    ...     config_hash="h", start_time=datetime(2026, 1, 1), ticks_per_day=10, num_days=1,
    ...     rng_seed=1, status="running"))
    >>> events = [{"event_type": "Arrival", "tick": t, "tx_id": f"t{t}"} for t in range(5)]
    >>> with db.event_writer("run-1", batch_size=2) as writer:
    ...     writer.extend(events)
    >>> writer.committed
    5
    >>> db.close()
    """

    def __init__(
        self,
        cursor: duckdb.DuckDBPyConnection,
        simulation_id: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.simulation_id = simulation_id
        self.batch_size = batch_size
        self._cursor = cursor
        self._ticks_per_day, self._next_seq = run_layout(cursor, simulation_id)
        self._first_seq = self._next_seq
        self._stored = stored_batch_ids(cursor, simulation_id)
        self._buffer: list[Event] = []
        self._pipeline = IngestPipeline("simcash-stream")
        self._failure: BaseException | None = None
        self._closed = False
        #: Events stored so far (committed batches only).
        self.committed = 0
        #: Batches committed so far.
        self.committed_batches = 0

    def append(self, event: Event) -> None:
        """Buffer one event; a full buffer is flushed as a batch."""
        self._check_usable()
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def extend(self, events: Iterable[Event]) -> None:
        """Buffer events (a tick's worth, say); full batches are flushed."""
        self._check_usable()
        for chunk in chunks(events, self.batch_size):
            self._buffer.extend(chunk)
            while len(self._buffer) >= self.batch_size:
                batch, self._buffer = (
                    self._buffer[: self.batch_size],
                    self._buffer[self.batch_size :],
                )
                self._submit(batch)

    def flush(self) -> None:
        """Encode and hand the buffered events to the ingest thread to commit."""
        if self._buffer:
            batch, self._buffer = self._buffer, []
            self._submit(batch)

    def write_batch(self, batch_id: str, events: Iterable[Event]) -> int:
        """Commit ``events`` as one batch named ``batch_id``; returns how many.

        Buffered events are flushed first. A batch whose id is stored already
        (sent again after a crash) is skipped and 0 returned. Call ``sync``
        to wait until it is committed.
        """
        check_batch_id(batch_id)
        self._check_usable()
        self.flush()
        if batch_id in self._stored:
            log.info("batch %r of %r is stored already: skipped", batch_id, self.simulation_id)
            return 0
        batch = list(events)
        self._submit(batch, batch_id)
        return len(batch)

    def sync(self) -> None:
        """Wait until every batch handed over is committed (or raise why not)."""
        self._check_usable()
        self._wait()

    @property
    def stored_batch_ids(self) -> frozenset[str]:
        """Ids of the run's batches stored, or handed over to be (this writer's included)."""
        return frozenset(self._stored)

    def _submit(self, batch: list[Event], batch_id: str | None = None) -> None:
        self._check_usable()
        # Encoding overlaps with the commit of the previous batch.
        # Rows in errors count from the writer's first event.
        encoded, registers = encode_events(
            batch,
            self.simulation_id,
            self._next_seq,
            self._ticks_per_day,
            self._next_seq - self._first_seq,
        )
        self._wait()
        batch_id = batch_id or auto_batch_id(self._next_seq)
        ledger = (batch_id, self._next_seq)
        self._next_seq += encoded.num_rows
        self._stored.add(batch_id)
        self._pipeline.submit(partial(self._commit, encoded, registers, ledger))

    def _commit(
        self,
        encoded: ArrowBatch,
        registers: ArrowBatch,
        ledger: tuple[str, int],
        started: Started,
    ) -> int:
        self._cursor.execute("BEGIN TRANSACTION")
        try:
            append_encoded(self._cursor, encoded, registers, started)
            batch_id, first_seq = ledger
            record_batch(self._cursor, self.simulation_id, batch_id, first_seq, encoded.num_rows)
            self._cursor.execute("COMMIT")
        except BaseException:
            _rollback(self._cursor)
            raise
        return encoded.num_rows

    def _wait(self) -> None:
        try:
            stored = self._pipeline.wait()
        except BaseException as exc:
            self._failure = exc
            raise write_failure(
                f"a batch of events of {self.simulation_id!r} ({self.committed} events "
                "stored before it)",
                exc,
            ) from exc
        if isinstance(stored, int):
            self.committed += stored
            self.committed_batches += 1

    def _check_usable(self) -> None:
        if self._closed:
            raise WriteError("the event writer is closed")
        if self._failure is not None:
            raise WriteError(
                f"an earlier batch failed ({self._failure}); open a new writer to go on"
            )

    def close(self) -> None:
        """Flush what is buffered, wait for the last commit, release the thread."""
        if self._closed:
            return
        try:
            self.flush()
            self._wait()
        finally:
            self._shutdown()

    def abort(self) -> None:
        """Drop the unflushed events; a batch already handed over still commits."""
        if self._closed:
            return
        dropped = len(self._buffer)
        self._buffer = []
        try:
            self._wait()
        except WriteError:
            log.warning("the last batch of %r failed while aborting", self.simulation_id)
        finally:
            self._shutdown()
        log.warning(
            "event writer for %r stopped: %d events committed, %d unflushed dropped",
            self.simulation_id,
            self.committed,
            dropped,
        )

    def _shutdown(self) -> None:
        self._closed = True
        self._pipeline.close()
        self._cursor.close()

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
