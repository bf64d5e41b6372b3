"""A run's timelines per tick: cost, balance and queues."""

from __future__ import annotations

import duckdb

from simcash_db.analysis.payments import settlements_sql
from simcash_db.analysis.source import EVENTS, QUEUES, TICK_COST_KINDS, TICK_STATES, Source, sql


def cost_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Cumulative cost per agent per tick: from ``tick_agent_states`` where
    stored, otherwise summed from the ``CostAccrual`` events.

    Examples:
        >>> cost_timeline(demo_db, "exp-iter0-evaluation").limit(2).fetchall()
        [('BANK_00', 0, 0, 'tick_agent_states'), ('BANK_00', 1, 4, 'tick_agent_states')]
    """
    cost_sum = " + ".join(TICK_COST_KINDS)
    return sql(
        source,
        f"""
        SELECT agent_id, tick, ({cost_sum})::BIGINT AS cumulative_cost,
               'tick_agent_states' AS source
        FROM {TICK_STATES} WHERE simulation_id = ?
        UNION ALL
        SELECT agent_id, tick,
               sum(CAST(json_extract(details, '$.costs.total') AS BIGINT))
                   OVER (PARTITION BY agent_id ORDER BY tick, event_seq)::BIGINT,
               'CostAccrual events'
        FROM {EVENTS}
        WHERE simulation_id = ? AND event_type = 'CostAccrual'
          AND NOT EXISTS (SELECT 1 FROM {TICK_STATES} WHERE simulation_id = ?)
        ORDER BY agent_id, tick
        """,
        [simulation_id, simulation_id, simulation_id],
    )


def balance_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Balance per agent per tick: from ``tick_agent_states`` where stored,
    otherwise the sender's balance after each immediate settlement (the
    last of each tick).

    Examples:
        >>> balance_timeline(demo_db, "exp-iter0-evaluation").limit(2).fetchall()
        [('BANK_00', 0, 232205), ('BANK_00', 1, 232205)]
    """
    return sql(
        source,
        f"""
        SELECT agent_id, tick, balance FROM {TICK_STATES} WHERE simulation_id = ?
        UNION ALL
        SELECT agent_id, tick,
               arg_max(CAST(json_extract(details, '$.sender_balance_after') AS BIGINT), event_seq)
        FROM {EVENTS}
        WHERE simulation_id = ? AND event_type = 'RtgsImmediateSettlement'
          AND NOT EXISTS (SELECT 1 FROM {TICK_STATES} WHERE simulation_id = ?)
        GROUP BY agent_id, tick
        ORDER BY agent_id, tick
        """,
        [simulation_id, simulation_id, simulation_id],
    )


def queue_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Queue 1 and queue 2 sizes per tick: from ``tick_queue_snapshots`` where
    stored, otherwise counted from the events: queue 1 as the payments held
    that tick, queue 2 as the payments queued (``QueuedRtgs``) and not yet
    settled, by whatever settled them (a release, the LSM, an offset: see
    ``SETTLING_FIELDS``).

    Examples:
        >>> queue_timeline(demo_db, "exp-iter0-evaluation").limit(3).fetchall()
        [(0, 3, 0), (1, 4, 0), (2, 5, 0)]
    """
    return sql(
        source,
        f"""
        WITH snap AS (
            SELECT tick, count(*) FILTER (WHERE queue_type = 'queue1') AS queue1,
                   count(*) FILTER (WHERE queue_type = 'queue2') AS queue2
            FROM {QUEUES} WHERE simulation_id = $run GROUP BY tick
        ), ticks AS (
            SELECT tick, count(*) FILTER (WHERE event_type = 'PolicyHold') AS held
            FROM {EVENTS} WHERE simulation_id = $run GROUP BY tick
        ), queued AS (
            SELECT tx_id, min(tick) AS tick FROM {EVENTS}
            WHERE simulation_id = $run AND event_type = 'QueuedRtgs' GROUP BY tx_id
        ), moves AS (
            SELECT tick, 1 AS step FROM queued
            UNION ALL
            SELECT s.settlement_tick, -1 FROM queued q
            JOIN ({settlements_sql()}) s ON s.tx_id = q.tx_id AND s.settlement_tick >= q.tick
        ), steps AS (
            SELECT tick, sum(step) AS step FROM moves GROUP BY tick
        )
        SELECT tick, queue1, queue2 FROM snap
        UNION ALL
        SELECT t.tick, t.held AS queue1,
               sum(coalesce(s.step, 0)) OVER (ORDER BY t.tick)::BIGINT AS queue2
        FROM ticks t LEFT JOIN steps s USING (tick)
        WHERE NOT EXISTS (SELECT 1 FROM snap)
        ORDER BY tick
        """,
        {"run": simulation_id},
    )
