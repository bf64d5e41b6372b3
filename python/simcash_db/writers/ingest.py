"""Appending encoded Arrow batches to a table, and the checks the writer owes.

The high-volume tables carry no DuckDB key or foreign key (benches/keys.py:
a primary key made bulk appends 1.7-1.9x slower, with an index 2.0-2.4x), so before
an append the writer proves what they would have: every row's run exists
and no key is stored twice.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence

import duckdb

from simcash_db._native import ArrowBatch, EventStream, key_summary
from simcash_db.connection import fetch_one
from simcash_db.errors import WriteError
from simcash_db.interrupts import interrupts_as_keyboard
from simcash_db.models import SimulationRunRecord, TableModel

log = logging.getLogger("simcash_db")

_view_ids = itertools.count()
_RUNS = SimulationRunRecord.table_name


class registered:
    """Registers ``batch`` as a view on ``cursor`` for the duration of a block."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, batch: ArrowBatch | EventStream) -> None:
        self.cursor = cursor
        self.batch = batch
        self.name = f"simcash_incoming_{next(_view_ids)}"

    def __enter__(self) -> str:
        self.cursor.register(self.name, self.batch)
        return self.name

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            self.cursor.unregister(self.name)
        except duckdb.TransactionException:
            if exc is None:
                raise
            # The failure aborted the transaction, and DuckDB refuses even an
            # unregister until it is rolled back, which is all an aborted
            # transaction can do. Roll back here, so that the view goes and
            # the error that failed is the one raised (the caller's own
            # ROLLBACK then finds no transaction).
            try:
                self.cursor.execute("ROLLBACK")
                self.cursor.unregister(self.name)
            except duckdb.Error:  # an invalidated connection: the view goes with it
                log.debug("could not unregister %s", self.name, exc_info=True)


def append(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    view: str,
    columns: list[str],
    started: Callable[[], None] | None = None,
) -> None:
    """INSERT the registered ``view`` into ``table`` (other columns take their defaults).

    ``started`` is called right before DuckDB starts (see ``IngestPipeline``).
    """
    if started is not None:
        started()
    execute(cursor, insert_sql(table, view, columns))


def insert_sql(table: str, view: str, columns: list[str]) -> str:
    names = ", ".join(columns)
    return f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}"


def execute(cursor: duckdb.DuckDBPyConnection, sql: str) -> None:
    """``cursor.execute(sql)``, with Ctrl-C in DuckDB raised as KeyboardInterrupt."""
    with interrupts_as_keyboard():
        cursor.execute(sql)


def _no_run(simulation_id: object) -> WriteError:
    return WriteError(f"no simulation run {simulation_id!r}: save its {_RUNS} row before its data")


def check_runs_exist(cursor: duckdb.DuckDBPyConnection, view: str) -> None:
    """Refuse rows of a run that has no run row (the foreign key's job), for
    each run the rows of ``view`` name."""
    missing = cursor.execute(
        f"SELECT DISTINCT simulation_id FROM {view} "
        f"WHERE simulation_id NOT IN (SELECT simulation_id FROM {_RUNS}) LIMIT 1"
    ).fetchall()
    if missing:
        raise _no_run(missing[0][0])


KeyRanges = list[tuple[str, int, int]]


def check_batch_keys(model: type[TableModel], batch: ArrowBatch) -> KeyRanges | None:
    """Refuse a batch that holds a key twice; returns each int key column's
    (name, min, max), which bound the stored rows it could clash with, or
    None when no key can clash (ids from a sequence)."""
    if model.sequence_column in model.key_columns:
        return None  # ids come from a sequence: unique by construction
    repeated, ranges = key_summary(batch, list(model.key_columns))
    if repeated is not None:
        key = ", ".join(model.key_columns)
        raise WriteError(
            f"{model.table_name}: key ({key}) = {tuple(repeated)!r} appears twice in the batch"
        )
    return ranges


def runs_stored_rows(
    cursor: duckdb.DuckDBPyConnection,
    simulation_id: str,
    tables: Sequence[tuple[type[TableModel], KeyRanges | None]],
) -> list[bool]:
    """Refuse rows of a run that has no run row; for each of ``tables``
    (with its batch's int key ranges, from ``check_batch_keys``), whether
    the run has stored rows in that range: only those batches can clash
    with stored keys (a table whose keys cannot clash is never asked). One
    query that scans no batch (a run's last rows are on the critical path
    of its end, and a scan of a registered batch costs milliseconds)."""
    probes = [f"EXISTS (SELECT 1 FROM {_RUNS} WHERE simulation_id = ?)"]
    params: list[object] = [simulation_id]
    for model, ranges in tables:
        if ranges is None:
            probes.append("false")
            continue
        where = ["simulation_id = ?"] + [f"{name} BETWEEN ? AND ?" for name, _, _ in ranges]
        probes.append(f"EXISTS (SELECT 1 FROM {model.table_name} WHERE {' AND '.join(where)})")
        params.append(simulation_id)
        for _, low, high in ranges:
            params += [low, high]
    found = fetch_one(cursor, f"SELECT {', '.join(probes)}", params)
    if found is None or not found[0]:
        raise _no_run(simulation_id)
    return [bool(stored) for stored in found[1:]]


def keys_match(model: type[TableModel], stored: str = "s", incoming: str = "i") -> str:
    """The join condition of a stored row and an incoming one with the same key."""
    return " AND ".join(f"{stored}.{k} = {incoming}.{k}" for k in model.key_columns)


def check_not_stored(
    cursor: duckdb.DuckDBPyConnection,
    model: type[TableModel],
    view: str,
    simulation_id: str | None = None,
) -> None:
    """Refuse a batch with a key already stored (of ``simulation_id`` when
    every row of ``view`` is that run's)."""
    on = keys_match(model)
    runs = "= ?" if simulation_id is not None else f"IN (SELECT DISTINCT simulation_id FROM {view})"
    clash = cursor.execute(
        f"SELECT {', '.join(f'i.{k}' for k in model.key_columns)} "
        f"FROM {view} i JOIN {model.table_name} s ON {on} "
        f"WHERE s.simulation_id {runs} LIMIT 1",
        [simulation_id] if simulation_id is not None else [],
    ).fetchall()
    if clash:
        key = ", ".join(model.key_columns)
        raise WriteError(f"{model.table_name}: key ({key}) = {clash[0]!r} is already stored")
