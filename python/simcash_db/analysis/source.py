"""What the analysis queries read from, and the table names.

A manager or a connection on the file, or a ``RemoteSource`` when another
process holds the file and answers reads for it (``simcash_db.live``).

Table names and cost kinds come from the models; every value is a bound parameter.
"""

from __future__ import annotations

import duckdb

from simcash_db.database import DatabaseManager
from simcash_db.live import RemoteSource
from simcash_db.models import (
    DailyAgentMetricsRecord,
    ExperimentIterationRecord,
    PolicyEvaluationRecord,
    SimulationEventRecord,
    TickAgentStateRecord,
    TickQueueSnapshotRecord,
    TransactionRecord,
)
from simcash_db.schema import table_columns

Source = DatabaseManager | duckdb.DuckDBPyConnection | RemoteSource

ITERATIONS = ExperimentIterationRecord.table_name
EVALUATIONS = PolicyEvaluationRecord.table_name
EVENTS = SimulationEventRecord.table_name
TRANSACTIONS = TransactionRecord.table_name
DAILY = DailyAgentMetricsRecord.table_name
TICK_STATES = TickAgentStateRecord.table_name
QUEUES = TickQueueSnapshotRecord.table_name
# The kinds of cost, from the models: a day's and a tick's cost columns.
COST_KINDS = tuple(
    c.name
    for c in table_columns(DailyAgentMetricsRecord)
    if c.money and c.name.endswith("_cost") and c.name != "total_cost"
)
TICK_COST_KINDS = tuple(
    c.name for c in table_columns(TickAgentStateRecord) if c.money and c.name.endswith("_cost")
)


def sql(
    source: Source, query: str, params: list[object] | dict[str, object]
) -> duckdb.DuckDBPyRelation:
    if isinstance(source, RemoteSource):
        return source.sql(query, params)
    return local_connection(source).sql(query, params=params)


def local_connection(source: Source) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection of this process that a source's relations live in
    (for a ``RemoteSource``, the one reading the answers it was sent)."""
    return source if isinstance(source, duckdb.DuckDBPyConnection) else source.conn


def has_rows(source: Source, table: str, simulation_id: str) -> bool:
    """Whether ``table`` holds rows of the run. A query then reads one of its
    two sources, not both: DuckDB plans both arms of a ``UNION ALL ... WHERE
    NOT EXISTS`` and reads the events even when the rows are there."""
    found = sql(
        source, f"SELECT EXISTS (SELECT 1 FROM {table} WHERE simulation_id = ?)", [simulation_id]
    ).fetchall()
    return bool(found[0][0])
