"""Writing a simulation's events: all at once, or streamed batch by batch.

``write_events`` hands DuckDB an ``EventStream``: DuckDB's append threads
encode the events chunk by chunk as they read them, one row group each, so
encoding and compression share the cores without a third thread. The
streaming writer (``stream.py``) encodes each batch and appends it through
an ``IngestPipeline`` while the simulator goes on.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import duckdb

from simcash_db._native import CHUNK_ROWS, ArrowBatch, EventStream
from simcash_db.connection import fetch_one, is_interrupt
from simcash_db.encoding import event_layout
from simcash_db.errors import NotFoundError, write_failure
from simcash_db.models import SimulationEventRecord, SimulationRunRecord
from simcash_db.writers.ingest import append, execute, insert_sql, registered
from simcash_db.writers.ledger import (
    LEDGER,
    auto_batch_id,
    check_batch_id,
    record_auto_batch_sql,
    record_batch,
)
from simcash_db.writers.pipeline import Started
from simcash_db.writers.registers import upsert_registers
from simcash_db.writers.rows import EncodedTables, rider_statements

log = logging.getLogger("simcash_db")

Event = Mapping[str, Any]

EVENTS_TABLE = SimulationEventRecord.table_name
_RUNS = SimulationRunRecord.table_name

#: Rows per encoded batch of the streaming writer: two DuckDB row groups
#: (``CHUNK_ROWS`` each). An append of whole row groups is written straight
#: to the file; a smaller one goes through the WAL and is written twice (3x
#: slower, measured).
DEFAULT_BATCH_SIZE = 2 * CHUNK_ROWS


class RunLayout(NamedTuple):
    """What a writer of a run's events needs to know of the run."""

    ticks_per_day: int
    #: The ``event_seq`` of the run's next event.
    next_seq: int
    #: Ids of the run's stored batches (the ledger).
    batch_ids: frozenset[str]


def run_layout(cursor: duckdb.DuckDBPyConnection, simulation_id: str) -> RunLayout:
    """The run's ``RunLayout``, in one query (a recorded run's start waits
    for it); NotFoundError if the run has no row."""
    row = fetch_one(
        cursor,
        f"SELECT ticks_per_day, (SELECT coalesce(max(event_seq) + 1, 0) FROM {EVENTS_TABLE} "
        "WHERE simulation_id = $run), "
        f"(SELECT coalesce(list(batch_id), []) FROM {LEDGER} WHERE simulation_id = $run) "
        f"FROM {_RUNS} WHERE simulation_id = $run",
        {"run": simulation_id},
    )
    if row is None:
        raise NotFoundError(
            f"no simulation run {simulation_id!r}: save its {_RUNS} row before its events"
        )
    return RunLayout(int(row[0]), int(row[1]), frozenset(row[2]))


def append_encoded(
    cursor: duckdb.DuckDBPyConnection,
    events: ArrowBatch,
    registers: ArrowBatch,
    started: Started | None = None,
) -> int:
    """Append one encoded batch and its registers (see ``upsert_registers``)
    inside the caller's transaction; returns its rows."""
    with registered(cursor, events) as view:
        append(cursor, EVENTS_TABLE, view, events.column_names, started)
    upsert_registers(cursor, registers)
    return events.num_rows


def commit_batch(
    cursor: duckdb.DuckDBPyConnection,
    simulation_id: str,
    encoded: ArrowBatch,
    registers: ArrowBatch,
    ledger: tuple[str, int] | None,
    started: Started,
    riders: Sequence[EncodedTables] = (),
) -> int | None:
    """Commit one encoded batch of a streaming writer, with its ledger row
    (``ledger``: batch id and first ``event_seq``), registers and the rows
    that ride with it (``EventWriter.add_rows``), as one transaction;
    returns its rows, or None for rows that rode alone (``ledger`` None, no
    events). Runs on the writer's ingest thread."""
    if ledger is None or (not registers.num_rows and ledger[0] == auto_batch_id(ledger[1])):
        # One trip into DuckDB for the whole transaction: each return
        # takes the GIL back, and while the caller runs Python (a
        # simulator's tick) each such hand-over waits out a switch
        # interval (5 ms; six trips made a batch about 25% slower).
        with contextlib.ExitStack() as views:
            script = []
            if ledger is not None:
                view = views.enter_context(registered(cursor, encoded))
                script += [insert_sql(EVENTS_TABLE, view, encoded.column_names)]
                script += [record_auto_batch_sql(view)]
            script += rider_script(cursor, views, riders)
            started()
            try:
                execute(cursor, f"BEGIN TRANSACTION; {'; '.join(script)}; COMMIT")
            except BaseException:
                rollback(cursor)
                raise
        return encoded.num_rows if ledger is not None else None
    batch_id, first_seq = ledger
    cursor.execute("BEGIN TRANSACTION")
    try:
        append_encoded(cursor, encoded, registers, started)
        record_batch(cursor, simulation_id, batch_id, first_seq, encoded.num_rows)
        with contextlib.ExitStack() as views:
            for statement in rider_script(cursor, views, riders):
                execute(cursor, statement)
        cursor.execute("COMMIT")
    except BaseException:
        rollback(cursor)
        raise
    return encoded.num_rows


def rider_script(
    cursor: duckdb.DuckDBPyConnection,
    views: contextlib.ExitStack,
    riders: Sequence[EncodedTables],
) -> list[str]:
    """The statements that store ``riders`` (registered as views for as long
    as ``views`` is open), in the order they were added."""
    script = []
    for tables in riders:
        for model, batch, ranges in tables.batches:
            if batch.num_rows:
                view = views.enter_context(registered(cursor, batch))
                script += rider_statements(model, view, ranges, batch.column_names)
    return script


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
    batch_size: int = CHUNK_ROWS,
    batch_id: str | None = None,
) -> int:
    """Write all ``events`` of a run as one transaction; returns how many.

    ``event_seq`` continues after the run's stored events. Nothing is written
    if any event is bad (EncodeError names the row and the field). With a
    ``batch_id`` already stored for the run, nothing is written and 0 returned.
    ``batch_size`` events are encoded at a time, which bounds the memory
    used. The default, ``CHUNK_ROWS``, is one DuckDB row group, the unit an
    append thread takes; half or twice that was 10-25% slower (measured).
    """
    if batch_id is not None:
        check_batch_id(batch_id)
    ticks_per_day, next_seq, stored = run_layout(cursor, simulation_id)
    if batch_id is not None and batch_id in stored:
        log.info("batch %r of %r is stored already: skipped", batch_id, simulation_id)
        return 0
    stream = EventStream(
        event_layout(), events, simulation_id, next_seq, ticks_per_day, chunk_rows=batch_size
    )
    stream.prefetch()
    cursor.execute("BEGIN TRANSACTION")
    try:
        try:
            with registered(cursor, stream) as view:
                append(cursor, EVENTS_TABLE, view, stream.column_names)
        except duckdb.Error:
            # DuckDB reports the encoder's failure as its own: raise the original.
            failure = stream.take_failure()
            if failure is not None:
                raise failure from None
            raise
        written, registers = stream.finish()
        upsert_registers(cursor, registers)
        if batch_id is not None or written:
            # An unnamed empty write stores nothing, its ledger row included.
            record_batch(
                cursor, simulation_id, batch_id or auto_batch_id(next_seq), next_seq, written
            )
        cursor.execute("COMMIT")
    except BaseException as exc:
        rollback(cursor)
        if is_interrupt(exc):
            # Ctrl-C reaches callers as KeyboardInterrupt wherever it lands
            # (DuckDB reports it during COMMIT as an error of its own).
            raise KeyboardInterrupt from exc
        if isinstance(exc, duckdb.Error):
            raise write_failure(f"writing events of {simulation_id!r}", exc) from exc
        raise
    return written


def rollback(cursor: duckdb.DuckDBPyConnection) -> None:
    try:
        cursor.execute("ROLLBACK")
    except (duckdb.Error, RuntimeError):  # none left (a failed COMMIT ends it), or invalidated
        log.debug("nothing to roll back", exc_info=True)
