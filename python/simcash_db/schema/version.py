"""The schema version recorded in every database, and the migrations between versions."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from simcash_db.models import EventBatchRecord

SCHEMA_VERSION = 2
META_TABLE = "simcash_db_meta"


def _add_event_batches(conn: duckdb.DuckDBPyConnection) -> None:
    # Imported here: ddl imports this module for META_TABLE.
    from simcash_db.schema.ddl import create_table_sql

    for statement in create_table_sql(EventBatchRecord):
        conn.execute(statement)


# from_version -> the step that upgrades a database to from_version + 1, in place.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _add_event_batches,  # v2: the ledger of committed event batches
}
