"""Storing the registers that ``StateRegisterSet`` events set.

The encoder folds a batch to the last value per (tick, agent, key); storing
it replaces what is stored under the same keys, so the last value set in a
tick wins however a run's events were split into batches and writes.
"""

from __future__ import annotations

import duckdb

from simcash_db._native import ArrowBatch
from simcash_db.connection import fetch_one
from simcash_db.models import AgentStateRegisterRecord
from simcash_db.writers.ingest import append, registered

_TABLE = AgentStateRegisterRecord.table_name
_SAME_KEY = " AND ".join(f"r.{k} = v.{k}" for k in AgentStateRegisterRecord.key_columns)


def upsert_registers(cursor: duckdb.DuckDBPyConnection, registers: ArrowBatch) -> None:
    """Store one encoded batch of registers inside the caller's transaction."""
    if not registers.num_rows:
        return
    with registered(cursor, registers) as view:
        bounds = fetch_one(
            cursor, f"SELECT any_value(simulation_id), min(tick), max(tick) FROM {view}"
        )
        assert bounds is not None
        # Only stored rows within the batch's ticks can share a key, and zone
        # maps skip the rest. A run written forward in time has at most the
        # tick it was split in; usually none, and the DELETE's join is skipped.
        in_range = "r.simulation_id = ? AND r.tick BETWEEN ? AND ?"
        if fetch_one(cursor, f"SELECT 1 FROM {_TABLE} r WHERE {in_range} LIMIT 1", list(bounds)):
            cursor.execute(
                f"DELETE FROM {_TABLE} r USING {view} v WHERE {in_range} AND {_SAME_KEY}",
                list(bounds),
            )
        append(cursor, _TABLE, view, registers.column_names)
