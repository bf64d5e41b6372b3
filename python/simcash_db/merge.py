"""Folding a worker's shard (a complete simcash-db database of its own) into
the main database, by DuckDB itself: the shard is attached read-only and
its rows copied with ``INSERT ... SELECT``, no row through Python.

Runs are merged whole, in transactions of whole runs (as many as hold
``BATCH_EVENTS`` events, at least one run), so an interrupted merge leaves
whole runs only and finishes when run again. One transaction per run was
about three times slower than DuckDB's own copy (benches/farm.py): a
filtered INSERT per run and table, and a commit per run, each about as
costly as copying the whole shard at once. A run
already merged is skipped (merging a shard twice changes nothing); a run
present in both with different content is an error naming it, raised before
any run of the shard is merged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from simcash_db.connection import fetch_one, sql_string, transaction
from simcash_db.errors import SchemaVersionError, WriteError
from simcash_db.models import (
    ALL_MODELS,
    ExperimentEventRecord,
    ExperimentIterationRecord,
    ExperimentRecord,
    PolicyEvaluationRecord,
    SimulationEventRecord,
    SimulationRunRecord,
    TableModel,
)
from simcash_db.schema import META_TABLE, SCHEMA_VERSION, table_columns

_PER_RUN = tuple(m for m in ALL_MODELS if m.per_simulation)
#: The events one merge transaction holds at most, unless one run has more.
#: Each commit costs about what copying a million events does (DuckDB starts
#: new row groups per transaction), so batches are large: a worker's shard
#: usually merges in one.
BATCH_EVENTS = 10_000_000
_aliases = itertools.count()


@dataclass
class MergeResult:
    """What a merge did: runs copied, runs found merged already, and the rows copied per table."""

    merged_runs: list[str] = field(default_factory=list)
    skipped_runs: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _columns(model: type[TableModel]) -> str:
    # Sequence-filled ids are given anew by the main database's sequence.
    return ", ".join(c.name for c in table_columns(model) if not c.from_sequence)


def _copy(
    conn: duckdb.DuckDBPyConnection,
    model: type[TableModel],
    shard: str,
    where: str,
    params: list[object],
    result: MergeResult,
) -> None:
    names = _columns(model)
    table = model.table_name
    copied = conn.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {shard}.{table} s WHERE {where}",
        params,
    ).fetchall()
    result.rows[table] = result.rows.get(table, 0) + (int(copied[0][0]) if copied else 0)


def _same_run(conn: duckdb.DuckDBPyConnection, shard: str, simulation_id: str) -> bool:
    """Whether the run's row and its events are the same in both."""
    runs = SimulationRunRecord.table_name
    names = _columns(SimulationRunRecord)
    differs = fetch_one(
        conn,
        f"SELECT count(*) FROM ((SELECT {names} FROM {runs} WHERE simulation_id = ?) "
        f"EXCEPT ALL (SELECT {names} FROM {shard}.{runs} WHERE simulation_id = ?))",
        [simulation_id, simulation_id],
    )
    events = SimulationEventRecord.table_name
    digest = (
        "SELECT count(*), coalesce(sum(hash(event_seq, tick, event_type, details::VARCHAR)), 0) "
        "FROM {} WHERE simulation_id = ?"
    )
    mine = fetch_one(conn, digest.format(events), [simulation_id])
    theirs = fetch_one(conn, digest.format(f"{shard}.{events}"), [simulation_id])
    return differs is not None and differs[0] == 0 and mine == theirs


def merge_shard(
    conn: duckdb.DuckDBPyConnection, shard_path: str | Path, *, batch_events: int = BATCH_EVENTS
) -> MergeResult:
    """Merge the shard at ``shard_path`` into the database of ``conn`` (see
    the module's docstring; ``DatabaseManager.merge`` is the usual way in)."""
    path = Path(shard_path)
    if not path.is_file():
        raise WriteError(f"no shard at {str(path)!r}")
    shard = f"simcash_shard_{next(_aliases)}"
    conn.execute(f"ATTACH {sql_string(path)} AS {shard} (READ_ONLY)")
    try:
        version = fetch_one(
            conn, f"SELECT value FROM {shard}.{META_TABLE} WHERE key = 'schema_version'"
        )
        if version is None or int(version[0]) != SCHEMA_VERSION:
            found = "none" if version is None else version[0]
            raise SchemaVersionError(
                f"shard {str(path)!r} has schema version {found}; this database uses "
                f"{SCHEMA_VERSION}: open the shard with this simcash-db first to migrate it"
            )
        return _merge(conn, shard, batch_events)
    finally:
        conn.execute(f"DETACH {shard}")


def _batches(runs: list[tuple[str, int]], batch_events: int) -> list[list[str]]:
    """Consecutive runs grouped up to ``batch_events`` events (a larger run alone)."""
    batches: list[list[str]] = []
    held = 0
    for simulation_id, events in runs:
        if not batches or held + events > batch_events:
            batches.append([])
            held = 0
        batches[-1].append(simulation_id)
        held += events
    return batches


def _merge(conn: duckdb.DuckDBPyConnection, shard: str, batch_events: int) -> MergeResult:
    result = MergeResult()
    experiments = ExperimentRecord.table_name
    with transaction(conn):
        # The experiment rows the shard's runs reference: the main's copy wins.
        missing = f"experiment_id NOT IN (SELECT experiment_id FROM {experiments})"
        _copy(conn, ExperimentRecord, shard, missing, [], result)
    runs, events = SimulationRunRecord.table_name, SimulationEventRecord.table_name
    shard_runs = conn.execute(
        f"SELECT r.simulation_id, count(e.simulation_id), m.simulation_id IS NOT NULL "
        f"FROM {shard}.{runs} r LEFT JOIN {shard}.{events} e USING (simulation_id) "
        f"LEFT JOIN {runs} m USING (simulation_id) GROUP BY ALL ORDER BY r.simulation_id"
    ).fetchall()
    for simulation_id, _, present in shard_runs:
        if present and not _same_run(conn, shard, simulation_id):
            raise WriteError(
                f"run {simulation_id!r} is in both databases with different content; "
                "nothing of the shard's runs was merged"
            )
    result.skipped_runs = [run for run, _, present in shard_runs if present]
    new = [(run, int(count)) for run, count, present in shard_runs if not present]
    for batch in _batches(new, batch_events):
        with transaction(conn):
            where = "simulation_id IN (SELECT unnest(?::VARCHAR[]))"
            _copy(conn, SimulationRunRecord, shard, where, [batch], result)
            for model in _PER_RUN:
                _copy(conn, model, shard, where, [batch], result)
        result.merged_runs += batch
    # The experiments' own rows: iterations and evaluations by their keys,
    # experiment events by their content (their ids are per database).
    for model in (ExperimentIterationRecord, PolicyEvaluationRecord):
        keys = " AND ".join(f"m.{k} = s.{k}" for k in model.key_columns)
        absent = f"NOT EXISTS (SELECT 1 FROM {model.table_name} m WHERE {keys})"
        with transaction(conn):
            _copy(conn, model, shard, absent, [], result)
    events = ExperimentEventRecord.table_name
    names = _columns(ExperimentEventRecord)
    with transaction(conn):
        copied = conn.execute(
            f"INSERT INTO {events} ({names}) "
            f"SELECT {names} FROM (SELECT {names} FROM {shard}.{events} "
            f"EXCEPT ALL SELECT {names} FROM {events}) ORDER BY experiment_id, iteration"
        ).fetchall()
        result.rows[events] = int(copied[0][0]) if copied else 0
    return result
