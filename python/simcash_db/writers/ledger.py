"""The ledger of committed event batches: what a reopened writer knows is stored."""

from __future__ import annotations

import duckdb

from simcash_db.models import EventBatchRecord

LEDGER = EventBatchRecord.table_name

AUTO_BATCH_PREFIX = "auto:"


def auto_batch_id(first_seq: int) -> str:
    """The id of a batch the caller did not name: its first ``event_seq``."""
    return f"{AUTO_BATCH_PREFIX}{first_seq}"


def record_batch(
    cursor: duckdb.DuckDBPyConnection, simulation_id: str, batch_id: str, first_seq: int, count: int
) -> None:
    """The batch's ledger row, in the batch's own transaction: both land or neither."""
    cursor.execute(
        f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?)", [simulation_id, batch_id, first_seq, count]
    )


def record_auto_batch_sql(view: str) -> str:
    """``record_batch`` of an unnamed batch as one SQL statement over the
    registered batch ``view``, to join others in one ``execute``: every value
    comes from the batch's own rows, none is written into the SQL text."""
    return (
        f"INSERT INTO {LEDGER} SELECT any_value(simulation_id), "
        f"'{AUTO_BATCH_PREFIX}' || min(event_seq), min(event_seq), count(*) FROM {view}"
    )


def check_batch_id(batch_id: str) -> None:
    if not isinstance(batch_id, str) or not batch_id or batch_id.startswith(AUTO_BATCH_PREFIX):
        raise ValueError(
            f"batch_id must be a non-empty str not starting with {AUTO_BATCH_PREFIX!r}, "
            f"got {batch_id!r}"
        )
