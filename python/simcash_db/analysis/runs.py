"""Run-level answers: a run's summary, its settlement by day, two runs compared."""

from __future__ import annotations

import duckdb

from simcash_db.analysis.payments import payments_sql
from simcash_db.analysis.source import (
    COST_KINDS,
    DAILY,
    EVENTS,
    TRANSACTIONS,
    Source,
    has_rows,
    sql,
)


def run_summary(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """One row: events, transactions arrived / settled / dropped / overdue, the
    settlement rate, average and p95 delay in ticks (settled payments), costs
    by kind and in total (from the daily metrics), and events by type. The
    payments are the run's transaction rows, or, for a run stored without
    them, its events (see ``payments_sql``: a payment the LSM settled is settled).

    Examples:
        >>> summary = run_summary(demo_db, "exp-iter0-evaluation")
        >>> summary.select("events, arrived, settled").fetchall()
        [(557, 82, 74)]
    """
    kinds = ", ".join(f"coalesce(sum({k}), 0)::BIGINT AS {k}" for k in COST_KINDS)
    payments = payments_sql(has_rows(source, TRANSACTIONS, simulation_id))
    return sql(
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
            FROM ({payments})
        ), ev AS (
            SELECT sum(n) AS events,
                   map(list(event_type ORDER BY event_type), list(n ORDER BY event_type))
                       AS events_by_type
            FROM (SELECT event_type, count(*) AS n FROM {EVENTS}
                  WHERE simulation_id = $run GROUP BY event_type)
        ), costs AS (
            SELECT {kinds}, coalesce(sum(total_cost), 0)::BIGINT AS total_cost
            FROM {DAILY} WHERE simulation_id = $run
        )
        SELECT coalesce(ev.events, 0)::BIGINT AS events, tx.arrived, tx.settled, tx.dropped,
               tx.overdue, tx.settled / nullif(tx.arrived, 0) AS settlement_rate,
               tx.avg_delay_ticks, tx.p95_delay_ticks, costs.*, ev.events_by_type
        FROM tx, ev, costs
        """,
        {"run": simulation_id},
    )


def settlement_by_day(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Per day: payments that arrived, those of them settled, the value
    settled (cents) and the settlement rate (payments as in ``run_summary``).

    Examples:
        >>> settlement_by_day(demo_db, "exp-iter0-evaluation").select("day, arrivals").fetchall()
        [(0, 46), (1, 36)]
    """
    payments = payments_sql(has_rows(source, TRANSACTIONS, simulation_id))
    return sql(
        source,
        f"""
        SELECT arrival_day AS day, count(*) AS arrivals,
               count(*) FILTER (WHERE status = 'settled') AS settlements,
               coalesce(sum(amount_settled), 0)::BIGINT AS value_settled,
               count(*) FILTER (WHERE status = 'settled') / count(*) AS settlement_rate
        FROM ({payments})
        GROUP BY arrival_day ORDER BY arrival_day
        """,
        {"run": simulation_id},
    )


def compare_runs(source: Source, a: str, b: str) -> duckdb.DuckDBPyRelation:
    """Per agent and cost kind: run ``a``'s cost, run ``b``'s, and b - a.

    Examples:
        >>> both = compare_runs(demo_db, "exp-iter0-evaluation", "exp-iter1-evaluation")
        >>> both.filter("kind = 'total_cost'").limit(2).fetchall()
        [('BANK_00', 'total_cost', 204, 204, 0), ('BANK_01', 'total_cost', 34, 388, 354)]
    """
    kinds = ", ".join(f"'{k}': sum({k})" for k in (*COST_KINDS, "total_cost"))
    return sql(
        source,
        f"""
        WITH per_run AS (
            SELECT simulation_id, agent_id, unnest(map_entries(MAP {{{kinds}}})) AS e
            FROM {DAILY} WHERE simulation_id IN (?, ?) GROUP BY simulation_id, agent_id
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

    Examples:
        >>> side = compare_event_counts(demo_db, "exp-iter0-evaluation", "exp-iter1-evaluation")
        >>> side.limit(2).fetchall()
        [('Arrival', 82, 82), ('CollateralPost', 0, 1)]
    """
    return sql(
        source,
        f"""
        SELECT event_type,
               count(*) FILTER (WHERE simulation_id = ?) AS events_a,
               count(*) FILTER (WHERE simulation_id = ?) AS events_b
        FROM {EVENTS} WHERE simulation_id IN (?, ?)
        GROUP BY event_type ORDER BY event_type
        """,
        [a, b, a, b],
    )
