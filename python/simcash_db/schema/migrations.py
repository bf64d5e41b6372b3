"""The steps that upgrade a database of an older schema version, in place."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from simcash_db.models import EventBatchRecord, PolicyEvaluationRecord
from simcash_db.schema.ddl import create_table_sql


def _add_event_batches(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in create_table_sql(EventBatchRecord):
        conn.execute(statement)


def _add_policy_evaluations(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in create_table_sql(PolicyEvaluationRecord):
        conn.execute(statement)


# from_version -> the step that upgrades a database to from_version + 1.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _add_event_batches,  # v2: the ledger of committed event batches
    2: _add_policy_evaluations,  # v3: the evaluations behind accept/reject decisions
}
