"""Writing a simulation's events: all at once, or streamed batch by batch.

Encoding (Rust, holding the GIL) of one batch overlaps with DuckDB's append
of the previous one (DuckDB releases the GIL), on a single worker thread, so
at most two batches are in memory at any time.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

import duckdb

from simcash_db._native import ArrowBatch, encode_events
from simcash_db.connection import fetch_one
from simcash_db.errors import NotFoundError, WriteError
from simcash_db.models import AgentStateRegisterRecord
from simcash_db.writers.ingest import append, registered

log = logging.getLogger("simcash_db")

Event = Mapping[str, Any]

#: Rows per encoded batch: large enough that DuckDB's per-statement cost
#: (about 1 ms) is noise, small enough to overlap encoding with ingestion.
DEFAULT_BATCH_SIZE = 2 * 122_880

_REGISTER_KEY = AgentStateRegisterRecord.key_columns


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
    cursor: duckdb.DuckDBPyConnection, events: ArrowBatch, registers: ArrowBatch
) -> None:
    """Append one encoded batch inside the caller's transaction.

    A register set again in a tick replaces the stored value: the last
    ``StateRegisterSet`` in a tick wins, also across batches.
    """
    with registered(cursor, events) as view:
        append(cursor, "simulation_events", view, events.column_names)
    if registers.num_rows:
        with registered(cursor, registers) as view:
            same_key = " AND ".join(f"r.{k} = v.{k}" for k in _REGISTER_KEY)
            cursor.execute(f"DELETE FROM agent_state_registers r USING {view} v WHERE {same_key}")
            append(cursor, "agent_state_registers", view, registers.column_names)


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
) -> int:
    """Write all ``events`` of a run as one transaction; returns how many.

    ``event_seq`` continues after the run's stored events. Nothing is written
    if any event is bad (EncodeError names the row and the field).
    """
    ticks_per_day, next_seq = run_layout(cursor, simulation_id)
    written = 0
    with ThreadPoolExecutor(1, thread_name_prefix="simcash-ingest") as ingest:
        pending: Future[None] | None = None
        cursor.execute("BEGIN TRANSACTION")
        try:
            for chunk in chunks(events, batch_size):
                encoded, registers = encode_events(
                    chunk, simulation_id, next_seq + written, ticks_per_day, written
                )
                if pending is not None:
                    pending.result()
                pending = ingest.submit(append_encoded, cursor, encoded, registers)
                written += encoded.num_rows
            if pending is not None:
                pending.result()
        except BaseException as exc:
            if pending is not None:
                pending.cancel()
                _wait_quietly(pending)
            cursor.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise WriteError(f"writing events of {simulation_id!r} failed: {exc}") from exc
            raise
        cursor.execute("COMMIT")
    return written


def _wait_quietly(future: Future[None]) -> None:
    try:
        future.result()
    except BaseException:  # the caller is already handling the first failure
        log.debug("ingest of an abandoned batch failed too", exc_info=True)


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
        self._buffer: list[Event] = []
        self._ingest = ThreadPoolExecutor(1, thread_name_prefix="simcash-stream")
        self._pending: Future[int] | None = None
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

    def _submit(self, batch: list[Event]) -> None:
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
        self._next_seq += encoded.num_rows
        self._pending = self._ingest.submit(self._commit, encoded, registers)

    def _commit(self, encoded: ArrowBatch, registers: ArrowBatch) -> int:
        self._cursor.execute("BEGIN TRANSACTION")
        try:
            append_encoded(self._cursor, encoded, registers)
        except BaseException:
            self._cursor.execute("ROLLBACK")
            raise
        self._cursor.execute("COMMIT")
        return encoded.num_rows

    def _wait(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        try:
            self.committed += pending.result()
            self.committed_batches += 1
        except BaseException as exc:
            self._failure = exc
            raise WriteError(
                f"a batch of events of {self.simulation_id!r} failed to commit and is not "
                f"stored ({self.committed} events stored before it): {exc}"
            ) from exc

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
        self._ingest.shutdown(wait=True)
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
