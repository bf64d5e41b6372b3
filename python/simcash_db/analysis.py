"""Answers, not just rows: analysis queries over the unified schema.

Each function takes a ``DatabaseManager`` (or its DuckDB connection) and ids,
and returns a DuckDB relation: nothing is read until it is asked for, and
``.pl()``, ``.df()``, ``.arrow()``, ``.fetchall()`` or more SQL on top all
work. Table names come from the models; every value is a bound parameter.
Money columns are int cents. (In the examples of the functions below,
``demo_db`` holds a small synthetic experiment, "exp": see conftest.py.)

>>> from simcash_db import DatabaseManager, ExperimentRecorder
>>> from simcash_db.workload import ExperimentShape, run_synthetic_experiment
>>> with DatabaseManager(":memory:") as db:
...     db.setup()
...     _ = run_synthetic_experiment(ExperimentRecorder(db), "exp", 1,
...                                  ExperimentShape(2, 0, 3, 10, 1))
...     cost_curve(db, "exp").columns
...     run_summary(db, "exp-iter0-evaluation").fetchall()[0][0] > 0
['iteration', 'agent_id', 'cost', 'total_cost', 'accepted', 'best_total_so_far']
True
"""

from __future__ import annotations

import duckdb

from simcash_db.database import DatabaseManager
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

Source = DatabaseManager | duckdb.DuckDBPyConnection

_ITERATIONS = ExperimentIterationRecord.table_name
_EVALUATIONS = PolicyEvaluationRecord.table_name
_EVENTS = SimulationEventRecord.table_name
_TRANSACTIONS = TransactionRecord.table_name
_DAILY = DailyAgentMetricsRecord.table_name
_TICK_STATES = TickAgentStateRecord.table_name
_QUEUES = TickQueueSnapshotRecord.table_name
# The kinds of cost, from the models: a day's and a tick's cost columns.
_COST_KINDS = tuple(
    c.name
    for c in table_columns(DailyAgentMetricsRecord)
    if c.money and c.name.endswith("_cost") and c.name != "total_cost"
)
_TICK_COST_KINDS = tuple(
    c.name for c in table_columns(TickAgentStateRecord) if c.money and c.name.endswith("_cost")
)


def _conn(source: Source) -> duckdb.DuckDBPyConnection:
    return source.conn if isinstance(source, DatabaseManager) else source


def _sql(source: Source, query: str, params: list[object]) -> duckdb.DuckDBPyRelation:
    return _conn(source).sql(query, params=params)


def cost_curve(source: Source, experiment_id: str) -> duckdb.DuckDBPyRelation:
    """Per iteration and agent: the agent's cost, the iteration's total, whether
    the agent's proposed change was accepted (None if it proposed none), and
    the best iteration total so far.

    >>> cost_curve(demo_db, "exp").limit(2).fetchall()
    [(0, 'BANK_00', 204, 310, None, 310), (0, 'BANK_01', 34, 310, False, 310)]
    """
    return _sql(
        source,
        f"""
        WITH costs AS (
            SELECT i.iteration, c.key AS agent_id, CAST(c.value AS BIGINT) AS cost,
                   TRY_CAST(json_extract(i.accepted_changes, '$."' || c.key || '"') AS BOOLEAN)
                       AS accepted
            FROM {_ITERATIONS} i, json_each(i.costs_per_agent) c
            WHERE i.experiment_id = ?
        ), totals AS (
            SELECT iteration, sum(cost)::BIGINT AS total_cost FROM costs GROUP BY iteration
        ), best AS (
            SELECT iteration, total_cost,
                   min(total_cost) OVER (ORDER BY iteration) AS best_total_so_far
            FROM totals
        )
        SELECT c.iteration, c.agent_id, c.cost, b.total_cost, c.accepted, b.best_total_so_far
        FROM costs c JOIN best b USING (iteration)
        ORDER BY c.iteration, c.agent_id
        """,
        [experiment_id],
    )


def policy_evaluations(source: Source, experiment_id: str) -> duckdb.DuckDBPyRelation:
    """One row per agent per iteration: old and new cost, the delta, the mean
    delta per sample and its 95% interval, and the decision.

    >>> policy_evaluations(demo_db, "exp").select("iteration, agent_id, delta").fetchall()
    [(0, 'BANK_01', 0), (1, 'BANK_01', 354), (2, 'BANK_03', 806)]
    """
    return _sql(
        source,
        f"""
        SELECT iteration, agent_id, evaluation_mode, old_cost, new_cost,
               new_cost - old_cost AS delta, delta_sum, num_samples,
               delta_sum / num_samples AS mean_delta, cost_std_dev,
               cost_ci95_lower, cost_ci95_upper, accepted, acceptance_reason,
               evaluation_simulation_id
        FROM {_EVALUATIONS} WHERE experiment_id = ?
        ORDER BY iteration, agent_id
        """,
        [experiment_id],
    )


def run_summary(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """One row: events, transactions arrived / settled / dropped / overdue, the
    settlement rate, average and p95 delay in ticks (settled payments), costs
    by kind and in total (from the daily metrics), and events by type.

    >>> run_summary(demo_db, "exp-iter0-evaluation").select("events, arrived, settled").fetchall()
    [(557, 82, 74)]
    """
    kinds = ", ".join(f"coalesce(sum({k}), 0)::BIGINT AS {k}" for k in _COST_KINDS)
    return _sql(
        source,
        f"""
        WITH tx AS (
            SELECT count(*) AS arrived,
                   count(*) FILTER (WHERE status = 'settled') AS settled,
                   count(*) FILTER (WHERE status = 'dropped') AS dropped,
                   count(*) FILTER (WHERE status = 'overdue') AS overdue,
                   avg(settlement_tick - arrival_tick) FILTER (WHERE status = 'settled')
                       AS avg_delay_ticks,
                   quantile_cont(settlement_tick - arrival_tick, 0.95)
                       FILTER (WHERE status = 'settled') AS p95_delay_ticks
            FROM {_TRANSACTIONS} WHERE simulation_id = ?
        ), ev AS (
            SELECT sum(n) AS events,
                   map(list(event_type ORDER BY event_type), list(n ORDER BY event_type))
                       AS events_by_type
            FROM (SELECT event_type, count(*) AS n FROM {_EVENTS}
                  WHERE simulation_id = ? GROUP BY event_type)
        ), costs AS (
            SELECT {kinds}, coalesce(sum(total_cost), 0)::BIGINT AS total_cost
            FROM {_DAILY} WHERE simulation_id = ?
        )
        SELECT coalesce(ev.events, 0)::BIGINT AS events, tx.arrived, tx.settled, tx.dropped,
               tx.overdue, tx.settled / nullif(tx.arrived, 0) AS settlement_rate,
               tx.avg_delay_ticks, tx.p95_delay_ticks, costs.*, ev.events_by_type
        FROM tx, ev, costs
        """,
        [simulation_id, simulation_id, simulation_id],
    )


def settlement_by_day(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Per day: payments that arrived, those of them settled, the value
    settled (cents) and the settlement rate.

    >>> settlement_by_day(demo_db, "exp-iter0-evaluation").select("day, arrivals").fetchall()
    [(0, 46), (1, 36)]
    """
    return _sql(
        source,
        f"""
        SELECT arrival_day AS day, count(*) AS arrivals,
               count(*) FILTER (WHERE status = 'settled') AS settlements,
               coalesce(sum(amount_settled), 0)::BIGINT AS value_settled,
               count(*) FILTER (WHERE status = 'settled') / count(*) AS settlement_rate
        FROM {_TRANSACTIONS} WHERE simulation_id = ?
        GROUP BY arrival_day ORDER BY arrival_day
        """,
        [simulation_id],
    )


def cost_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Cumulative cost per agent per tick: from ``tick_agent_states`` where
    stored, otherwise summed from the ``CostAccrual`` events.

    >>> cost_timeline(demo_db, "exp-iter0-evaluation").limit(2).fetchall()
    [('BANK_00', 0, 0, 'tick_agent_states'), ('BANK_00', 1, 4, 'tick_agent_states')]
    """
    cost_sum = " + ".join(_TICK_COST_KINDS)
    return _sql(
        source,
        f"""
        SELECT agent_id, tick, ({cost_sum})::BIGINT AS cumulative_cost,
               'tick_agent_states' AS source
        FROM {_TICK_STATES} WHERE simulation_id = ?
        UNION ALL
        SELECT agent_id, tick,
               sum(CAST(json_extract(details, '$.costs.total') AS BIGINT))
                   OVER (PARTITION BY agent_id ORDER BY tick, event_seq)::BIGINT,
               'CostAccrual events'
        FROM {_EVENTS}
        WHERE simulation_id = ? AND event_type = 'CostAccrual'
          AND NOT EXISTS (SELECT 1 FROM {_TICK_STATES} WHERE simulation_id = ?)
        ORDER BY agent_id, tick
        """,
        [simulation_id, simulation_id, simulation_id],
    )


def balance_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Balance per agent per tick: from ``tick_agent_states`` where stored,
    otherwise the sender's balance after each immediate settlement (the
    last of each tick).

    >>> balance_timeline(demo_db, "exp-iter0-evaluation").limit(2).fetchall()
    [('BANK_00', 0, 232205), ('BANK_00', 1, 232205)]
    """
    return _sql(
        source,
        f"""
        SELECT agent_id, tick, balance FROM {_TICK_STATES} WHERE simulation_id = ?
        UNION ALL
        SELECT agent_id, tick,
               arg_max(CAST(json_extract(details, '$.sender_balance_after') AS BIGINT), event_seq)
        FROM {_EVENTS}
        WHERE simulation_id = ? AND event_type = 'RtgsImmediateSettlement'
          AND NOT EXISTS (SELECT 1 FROM {_TICK_STATES} WHERE simulation_id = ?)
        GROUP BY agent_id, tick
        ORDER BY agent_id, tick
        """,
        [simulation_id, simulation_id, simulation_id],
    )


def queue_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Queue 1 and queue 2 sizes per tick: from ``tick_queue_snapshots`` where
    stored, otherwise counted from the events (held and queued payments,
    and their releases).

    >>> queue_timeline(demo_db, "exp-iter0-evaluation").limit(3).fetchall()
    [(0, 3, 0), (1, 4, 0), (2, 5, 0)]
    """
    return _sql(
        source,
        f"""
        WITH snap AS (
            SELECT tick, count(*) FILTER (WHERE queue_type = 'queue1') AS queue1,
                   count(*) FILTER (WHERE queue_type = 'queue2') AS queue2
            FROM {_QUEUES} WHERE simulation_id = ? GROUP BY tick
        ), moves AS (
            SELECT tick,
                   sum(CASE event_type WHEN 'QueuedRtgs' THEN 1
                       WHEN 'Queue2LiquidityRelease' THEN -1 ELSE 0 END) AS q2,
                   count(*) FILTER (WHERE event_type = 'PolicyHold') AS held
            FROM {_EVENTS} WHERE simulation_id = ? GROUP BY tick
        )
        SELECT tick, queue1, queue2 FROM snap
        UNION ALL
        SELECT tick, held AS queue1, sum(q2) OVER (ORDER BY tick)::BIGINT AS queue2 FROM moves
        WHERE NOT EXISTS (SELECT 1 FROM snap)
        ORDER BY tick
        """,
        [simulation_id, simulation_id],
    )


def transaction_lifecycle(
    source: Source, simulation_id: str, tx_id: str
) -> duckdb.DuckDBPyRelation:
    """Every event of one payment in order, each with the payment's row
    (status, amounts, settlement).

    >>> lifecycle = transaction_lifecycle(demo_db, "exp-iter0-evaluation", "tx0000001")
    >>> lifecycle.select("event_type, status").limit(2).fetchall()
    [('Arrival', 'settled'), ('PolicySubmit', 'settled')]
    """
    return _sql(
        source,
        f"""
        SELECT e.event_seq, e.tick, e.event_type, e.details, t.status, t.amount,
               t.amount_settled, t.arrival_tick, t.settlement_tick, t.deadline_tick
        FROM {_EVENTS} e
        LEFT JOIN {_TRANSACTIONS} t ON t.simulation_id = e.simulation_id AND t.tx_id = e.tx_id
        WHERE e.simulation_id = ? AND e.tx_id = ?
        ORDER BY e.event_seq
        """,
        [simulation_id, tx_id],
    )


def compare_runs(source: Source, a: str, b: str) -> duckdb.DuckDBPyRelation:
    """Per agent and cost kind: run ``a``'s cost, run ``b``'s, and b - a.

    >>> both = compare_runs(demo_db, "exp-iter0-evaluation", "exp-iter1-evaluation")
    >>> both.filter("kind = 'total_cost'").limit(2).fetchall()
    [('BANK_00', 'total_cost', 204, 204, 0), ('BANK_01', 'total_cost', 34, 388, 354)]
    """
    kinds = ", ".join(f"'{k}': sum({k})" for k in (*_COST_KINDS, "total_cost"))
    return _sql(
        source,
        f"""
        WITH per_run AS (
            SELECT simulation_id, agent_id, unnest(map_entries(MAP {{{kinds}}})) AS e
            FROM {_DAILY} WHERE simulation_id IN (?, ?) GROUP BY simulation_id, agent_id
        ), flat AS (
            SELECT simulation_id, agent_id, e.key AS kind, e.value::BIGINT AS cost FROM per_run
        )
        SELECT agent_id, kind,
               coalesce(max(cost) FILTER (WHERE simulation_id = ?), 0)::BIGINT AS cost_a,
               coalesce(max(cost) FILTER (WHERE simulation_id = ?), 0)::BIGINT AS cost_b,
               (cost_b - cost_a)::BIGINT AS difference
        FROM flat GROUP BY agent_id, kind ORDER BY agent_id, kind
        """,
        [a, b, a, b],
    )


def compare_event_counts(source: Source, a: str, b: str) -> duckdb.DuckDBPyRelation:
    """Event counts by type of runs ``a`` and ``b``, side by side.

    >>> side = compare_event_counts(demo_db, "exp-iter0-evaluation", "exp-iter1-evaluation")
    >>> side.limit(2).fetchall()
    [('Arrival', 82, 82), ('CollateralPost', 0, 1)]
    """
    return _sql(
        source,
        f"""
        SELECT event_type,
               count(*) FILTER (WHERE simulation_id = ?) AS events_a,
               count(*) FILTER (WHERE simulation_id = ?) AS events_b
        FROM {_EVENTS} WHERE simulation_id IN (?, ?)
        GROUP BY event_type ORDER BY event_type
        """,
        [a, b, a, b],
    )
