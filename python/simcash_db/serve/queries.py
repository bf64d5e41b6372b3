"""What each page asks of the database (see ``tables.Query``)."""

from __future__ import annotations

import duckdb

from simcash_db import analysis
from simcash_db.analysis import Source
from simcash_db.analysis.source import EVENTS, ITERATIONS, TRANSACTIONS
from simcash_db.models import (
    EventBatchRecord,
    ExperimentIterationRecord,
    ExperimentRecord,
    PolicyEvaluationRecord,
    SimulationEventRecord,
    SimulationRunRecord,
    SimulationStatus,
)
from simcash_db.schema import table_columns
from simcash_db.serve.tables import Query, analysed, select

EXPERIMENTS = ExperimentRecord.table_name
RUNS = SimulationRunRecord.table_name
#: A run's events as the pages show and export them: every column but the run's id.
EVENT_COLUMNS = ", ".join(
    c.name for c in table_columns(SimulationEventRecord) if c.name != "simulation_id"
)
#: Events shown per page of the tick replay.
EVENTS_PER_PAGE = 100

# Each iteration's total cost, summed from its per-agent costs (int cents).
_TOTALS = f"""
    SELECT i.experiment_id, i.iteration, CAST(sum(CAST(c.value AS BIGINT)) AS BIGINT) AS total
    FROM {ITERATIONS} i, json_each(i.costs_per_agent) c
    GROUP BY ALL
"""


def experiments() -> Query:
    return select(
        "experiments",
        f"""
        WITH totals AS ({_TOTALS})
        SELECT e.experiment_id, e.experiment_name, e.experiment_type, e.created_at,
               e.completed_at, e.num_iterations, count(t.iteration) AS iterations_done,
               max(t.iteration) AS last_iteration, e.final_cost,
               coalesce(e.best_cost, min(t.total)) AS best_cost,
               list(t.total ORDER BY t.iteration) FILTER (WHERE t.total IS NOT NULL) AS totals
        FROM {EXPERIMENTS} e LEFT JOIN totals t USING (experiment_id)
        GROUP BY e.experiment_id, e.experiment_name, e.experiment_type, e.created_at,
                 e.completed_at, e.num_iterations, e.final_cost, e.best_cost
        ORDER BY e.created_at DESC, e.experiment_id
        """,
    )


def experiment(experiment_id: str, name: str = "experiment") -> Query:
    return select(name, f"SELECT * FROM {EXPERIMENTS} WHERE experiment_id = ?",
                  experiment_id)  # fmt: skip


def cost_curve(experiment_id: str, name: str = "cost_curve") -> Query:
    return analysed(name, analysis.cost_curve, experiment_id)


def iterations(experiment_id: str) -> Query:
    return select(
        "iterations",
        f"""
        SELECT i.iteration, t.total AS total_cost, i.accepted_changes,
               i.evaluation_simulation_id, i.timestamp
        FROM {ITERATIONS} i LEFT JOIN ({_TOTALS}) t USING (experiment_id, iteration)
        WHERE i.experiment_id = ?
        ORDER BY i.iteration
        """,
        experiment_id,
    )


def evaluations(experiment_id: str) -> Query:
    columns = ("iteration, agent_id, evaluation_mode, old_cost, new_cost, delta_sum, num_samples,"
               " cost_ci95_lower, cost_ci95_upper, accepted, acceptance_reason")  # fmt: skip
    return analysed("evaluations", _evaluations, experiment_id, columns)


def _evaluations(source: Source, experiment_id: str, columns: str) -> duckdb.DuckDBPyRelation:
    return analysis.policy_evaluations(source, experiment_id).select(columns)


def experiment_runs(experiment_id: str) -> Query:
    return select(
        "runs",
        f"""
        SELECT simulation_id, iteration, run_purpose, sample_index, status, total_cost,
               total_transactions, total_settlements
        FROM {RUNS} WHERE experiment_id = ?
        ORDER BY iteration, run_purpose, sample_index NULLS FIRST, simulation_id
        """,
        experiment_id,
    )


def policy(experiment_id: str, iteration: int, agent_id: str, name: str) -> Query:
    return select(
        name,
        f"""
        SELECT iteration, json_extract(policies, '$."' || ? || '"') AS policy
        FROM {ITERATIONS} WHERE experiment_id = ? AND iteration = ?
        """,
        agent_id, experiment_id, iteration,
    )  # fmt: skip


def agent(experiment_id: str, agent_id: str) -> Query:
    """The agent, if any iteration of the experiment holds its policy."""
    return select(
        "agent",
        f"""
        SELECT DISTINCT ? AS agent_id FROM {ITERATIONS}
        WHERE experiment_id = ? AND json_exists(policies, '$."' || ? || '"')
        """,
        agent_id, experiment_id, agent_id,
    )  # fmt: skip


def agents(experiment_id: str) -> Query:
    return select(
        "agents",
        f"""
        SELECT DISTINCT unnest(json_keys(policies)) AS agent_id
        FROM {ITERATIONS} WHERE experiment_id = ? ORDER BY agent_id
        """,
        experiment_id,
    )


def run(simulation_id: str, name: str = "run") -> Query:
    return select(name, f"SELECT * FROM {RUNS} WHERE simulation_id = ?", simulation_id)


def run_summary(simulation_id: str) -> Query:
    return analysed("summary", analysis.run_summary, simulation_id, heavy=True)


def settlement_by_day(simulation_id: str) -> Query:
    return analysed("settlement_by_day", analysis.settlement_by_day, simulation_id, heavy=True)


def timeline(kind: str, simulation_id: str) -> Query:
    """One timeline whole, every tick: an export of the run page."""
    build = {
        "balances": analysis.balance_timeline,
        "costs": analysis.cost_timeline,
        "queues": analysis.queue_timeline,
    }[kind]
    return analysed(kind, build, simulation_id, heavy=True, shown=False)


def tick_range(simulation_id: str) -> Query:
    return select(
        "ticks",
        f"SELECT min(tick) AS first, max(tick) AS last, count(*) AS events,"
        f" list(DISTINCT event_type ORDER BY event_type) AS types,"
        f" list(DISTINCT agent_id ORDER BY agent_id) FILTER (WHERE agent_id IS NOT NULL) AS agents"
        f" FROM {EVENTS} WHERE simulation_id = ?",
        simulation_id,
    )


def tick_events(
    simulation_id: str, tick: int, agent_id: str | None, event_type: str | None, page: int
) -> Query:
    return select(
        "events",
        f"""
        SELECT {EVENT_COLUMNS}
        FROM {EVENTS}
        WHERE simulation_id = ? AND tick = ?
          AND (CAST(? AS VARCHAR) IS NULL OR agent_id = ?)
          AND (CAST(? AS VARCHAR) IS NULL OR event_type = ?)
        ORDER BY event_seq LIMIT ? OFFSET ?
        """,
        simulation_id, tick, agent_id, agent_id, event_type, event_type,
        EVENTS_PER_PAGE + 1, page * EVENTS_PER_PAGE,
    )  # fmt: skip


def run_events(simulation_id: str) -> Query:
    # No ORDER BY: a run's events are appended in event_seq order and DuckDB
    # keeps insertion order (preserve_insertion_order), so the export streams
    # as it scans instead of sorting first (30 against 47 ms for 200,000).
    return select(
        "events",
        f"SELECT {EVENT_COLUMNS} FROM {EVENTS} WHERE simulation_id = ?",
        simulation_id,
    )


def lifecycle(simulation_id: str, tx_id: str) -> Query:
    return analysed("lifecycle", analysis.transaction_lifecycle, simulation_id, tx_id, heavy=True)


def transaction(simulation_id: str, tx_id: str) -> Query:
    return select(
        "transaction",
        f"SELECT * FROM {TRANSACTIONS} WHERE simulation_id = ? AND tx_id = ?",
        simulation_id, tx_id,
    )  # fmt: skip


def compare_costs(a: str, b: str) -> Query:
    return analysed("costs", analysis.compare_runs, a, b)


def compare_events(a: str, b: str) -> Query:
    return analysed("events_by_type", analysis.compare_event_counts, a, b)


def fingerprint() -> Query:
    """Counts that move whenever a recording commits an experiment, an iteration,
    an evaluation, a run or an event batch: the live pages watch them."""
    counted = (EXPERIMENTS, ExperimentIterationRecord.table_name, RUNS,
               PolicyEvaluationRecord.table_name, EventBatchRecord.table_name)  # fmt: skip
    parts = ", ".join(f"(SELECT count(*) FROM {table})" for table in counted)
    running = SimulationStatus.RUNNING
    done = (f"(SELECT count(*) FROM {EXPERIMENTS} WHERE completed_at IS NOT NULL),"
            f" (SELECT count(*) FROM {RUNS} WHERE status <> '{running}')")  # fmt: skip
    return select("fingerprint", f"SELECT {parts}, {done}")
