"""Deleting runs and experiments with everything that hangs off them.

DuckDB has no ON DELETE CASCADE and refuses to delete a child row and the
parent it references in one transaction. So children go first, each step in
its own transaction, in an order that never leaves a dangling reference;
every step is idempotent, so an interrupted delete is finished by running it
again.
"""

from __future__ import annotations

import duckdb

from simcash_db.connection import fetch_one, transaction
from simcash_db.errors import WriteError
from simcash_db.models import ALL_MODELS

_PER_SIMULATION = tuple(m.table_name for m in reversed(ALL_MODELS) if m.per_simulation)


def _delete_runs(conn: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> None:
    # ``where`` is written by this module; caller values arrive only in ``params``.
    runs = f"SELECT simulation_id FROM simulation_runs WHERE {where}"
    for table in _PER_SIMULATION:
        with transaction(conn):
            conn.execute(f"DELETE FROM {table} WHERE simulation_id IN ({runs})", params)
    with transaction(conn):
        conn.execute(f"DELETE FROM simulation_runs WHERE {where}", params)


def clear_simulation_rows(conn: duckdb.DuckDBPyConnection, simulation_id: str) -> None:
    """Delete everything stored for a run but its run row (to record it anew)."""
    for table in _PER_SIMULATION:
        with transaction(conn):
            conn.execute(f"DELETE FROM {table} WHERE simulation_id = ?", [simulation_id])


def delete_simulation(conn: duckdb.DuckDBPyConnection, simulation_id: str) -> None:
    """Delete one run and all its rows; refused while an iteration names it."""
    row = fetch_one(
        conn,
        "SELECT experiment_id, iteration FROM experiment_iterations "
        "WHERE evaluation_simulation_id = ? UNION ALL "
        "SELECT experiment_id, iteration FROM policy_evaluations "
        "WHERE evaluation_simulation_id = ? LIMIT 1",
        [simulation_id, simulation_id],
    )
    if row is not None:
        raise WriteError(
            f"simulation {simulation_id!r} is the evaluation run of experiment {row[0]!r} "
            f"iteration {row[1]}; delete the experiment instead"
        )
    _delete_runs(conn, "simulation_id = ?", [simulation_id])


def delete_experiment(conn: duckdb.DuckDBPyConnection, experiment_id: str) -> bool:
    """Delete an experiment, its iterations, events, linked runs and their rows.

    Returns whether the experiment existed.
    """
    row = fetch_one(
        conn, "SELECT count(*) FROM experiments WHERE experiment_id = ?", [experiment_id]
    )
    existed = bool(row and row[0])
    # Iterations and evaluations first: they reference the experiment and its runs.
    for table in ("experiment_iterations", "policy_evaluations", "experiment_events"):
        with transaction(conn):
            conn.execute(f"DELETE FROM {table} WHERE experiment_id = ?", [experiment_id])
    _delete_runs(conn, "experiment_id = ?", [experiment_id])
    with transaction(conn):
        conn.execute("DELETE FROM experiments WHERE experiment_id = ?", [experiment_id])
    return existed
