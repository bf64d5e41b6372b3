"""Writing per-simulation rows (transactions, per-tick state...) in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
from pydantic import ValidationError

from simcash_db._native import ArrowBatch, encode_rows
from simcash_db.connection import is_interrupt, transaction
from simcash_db.encoding import natively_encodable, table_spec
from simcash_db.errors import WriteError, write_failure
from simcash_db.models import MODELS_BY_TABLE, TableModel
from simcash_db.records import insert
from simcash_db.writers.ingest import (
    KeyRanges,
    append,
    check_batch_keys,
    check_not_stored,
    check_runs_exist,
    insert_sql,
    keys_match,
    registered,
    runs_stored_rows,
)

Row = Mapping[str, Any]


def model_for(table: str) -> type[TableModel]:
    """The model of a per-simulation table that ``write_rows`` accepts."""
    model = MODELS_BY_TABLE.get(table)
    if model is None:
        raise WriteError(f"no table {table!r}; known: {', '.join(sorted(MODELS_BY_TABLE))}")
    if not model.per_simulation:
        raise WriteError(f"{table} is not a per-simulation table; use its repository")
    if model.event_writer_only:
        raise WriteError(f"{table} is written by write_events and event_writer only")
    return model


def write_rows(
    cursor: duckdb.DuckDBPyConnection,
    model: type[TableModel],
    rows: Iterable[Row],
    constants: Mapping[str, object] | None = None,
    *,
    replace: bool = False,
) -> int:
    """Encode and append ``rows`` to ``model``'s table as one transaction.

    ``constants`` fill columns that are the same for every row; a row that
    holds such a column too must agree, unless ``replace``: then the
    constant wins. Returns the number of rows written. Bad input raises
    EncodeError naming the row and field; a missing run or a repeated key
    raises WriteError. Either way nothing is written.
    """
    if not natively_encodable(model):
        return _write_validated(cursor, model, rows, constants)
    return write_tables(cursor, [(model, rows)], constants, replace=replace)[0]


def write_tables(
    cursor: duckdb.DuckDBPyConnection,
    tables: Sequence[tuple[type[TableModel], Iterable[Row]]],
    constants: Mapping[str, object] | None = None,
    *,
    replace: bool = False,
) -> list[int]:
    """``write_rows`` for several natively encoded tables in one transaction
    (one commit: a recorder's day rows); returns the rows of each."""
    return store_tables(cursor, encode_tables(tables, constants, replace=replace))


@dataclass(frozen=True)
class EncodedTables:
    """Rows of several tables, encoded and their keys checked by
    ``encode_tables``, not yet stored: a caller can encode on the thread
    that just built the rows (they are in its core's cache: a run's final
    rows encode in about half the time there) and store them on another."""

    #: Each table's model, batch and int key ranges (see ``check_batch_keys``).
    batches: tuple[tuple[type[TableModel], ArrowBatch, KeyRanges | None], ...]
    #: The run every row belongs to, when the call gave it.
    simulation_id: str | None

    @property
    def rows(self) -> dict[str, int]:
        return {model.table_name: batch.num_rows for model, batch, _ in self.batches}


def encode_tables(
    tables: Sequence[tuple[type[TableModel], Iterable[Row]]],
    constants: Mapping[str, object] | None = None,
    *,
    replace: bool = False,
) -> EncodedTables:
    """Encode each table's rows (see ``write_rows`` for ``constants`` and
    ``replace``); bad input raises EncodeError naming the row and field, a
    key twice in a table's rows WriteError."""
    batches = []
    for model, rows in tables:
        if not natively_encodable(model):
            raise TypeError(f"{model.table_name} is not written natively; use write_rows")
        batch = encode_rows(table_spec(model), rows, constants, replace=replace)
        batches.append((model, batch, check_batch_keys(model, batch)))
    # Rows given their run as a constant all carry it (the encoder sees to that).
    run = (constants or {}).get("simulation_id")
    return EncodedTables(tuple(batches), run if isinstance(run, str) else None)


def store_tables(cursor: duckdb.DuckDBPyConnection, encoded: EncodedTables) -> list[int]:
    """Append encoded tables in one transaction, after the checks the missing
    keys and foreign keys owe (see ``ingest``); returns the rows of each.
    A missing run or a repeated key raises WriteError, and nothing is written."""
    written = [batch.num_rows for _, batch, _ in encoded.batches]
    batches = [entry for entry in encoded.batches if entry[1].num_rows]
    if not batches:
        return written
    what = ", ".join(f"{batch.num_rows} rows of {model.table_name}" for model, batch, _ in batches)
    run_id = encoded.simulation_id
    try:
        with transaction(cursor):
            # Whether each batch's keys may be stored already (ids from a
            # sequence never are).
            if run_id is not None:
                tables = [(model, ranges) for model, _, ranges in batches]
                may_clash = runs_stored_rows(cursor, run_id, tables)
            else:
                may_clash = [ranges is not None for _, _, ranges in batches]
            for (model, batch, _), clash in zip(batches, may_clash, strict=True):
                with registered(cursor, batch) as view:
                    if run_id is None:
                        check_runs_exist(cursor, view)
                    if clash:
                        check_not_stored(cursor, model, view, run_id)
                    append(cursor, model.table_name, view, batch.column_names)
    except duckdb.Error as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from exc
        raise write_failure(f"writing {what}", exc) from exc
    return written


def rider_statements(
    model: type[TableModel], view: str, ranges: KeyRanges | None, columns: list[str]
) -> list[str]:
    """SQL that stores the batch registered as ``view`` inside a transaction
    someone else opened (an event writer's batch, see ``EventWriter.add_rows``),
    as statements to join one script: a check that fails the script when a
    key of the batch is stored already, then the INSERT. The run's existence
    is the event writer's to prove. Keys from a sequence (``ranges`` None)
    cannot clash and are not checked. The check's join names the run through
    the batch's own rows (no value in the SQL text); DuckDB pushes the
    batch's key bounds into the scan, and the int key ranges (``ranges``,
    computed here) are written out, so zone maps skip other runs and days."""
    statements = []
    if ranges is not None:
        on = keys_match(model)
        within = "".join(f" AND s.{name} BETWEEN {low} AND {high}" for name, low, high in ranges)
        key = ", ".join(model.key_columns)
        found = " || ', ' || ".join(f"i.{k}::VARCHAR" for k in model.key_columns)
        statements.append(
            f"SELECT error('{model.table_name}: key ({key}) = (' || {found} || "
            f"') is already stored') FROM {view} i JOIN {model.table_name} s ON {on}{within} "
            "LIMIT 1"
        )
    statements.append(insert_sql(model.table_name, view, columns))
    return statements


def _write_validated(
    cursor: duckdb.DuckDBPyConnection,
    model: type[TableModel],
    rows: Iterable[Row],
    constants: Mapping[str, object] | None,
) -> int:
    # Low-volume tables with timestamps: validated by the model, row by row.
    records = []
    for index, row in enumerate(rows):
        try:
            records.append(model.model_validate({**row, **(constants or {})}))
        except ValidationError as exc:
            raise WriteError(f"row {index}: {exc}") from exc
    with transaction(cursor):
        for record in records:
            try:
                insert(cursor, record)
            except duckdb.ConstraintException as exc:
                raise WriteError(f"{model.table_name}: {exc}") from exc
    return len(records)
