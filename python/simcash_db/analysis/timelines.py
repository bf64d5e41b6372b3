"""A run's timelines per tick: cost, balance and queues.

Each comes from the per-tick tables where the run has them, otherwise from
its events' JSON. Reading the JSON costs a pass over the whole run's
``details`` (stored zstd-compressed: decompressing is most of the time,
however few events a query wants), so ``run_timelines`` takes the three
from one pass; the functions for one timeline share its SQL.
"""

from __future__ import annotations

import duckdb

from simcash_db.analysis.payments import SETTLING_FIELDS, settling_ids_sql
from simcash_db.analysis.source import (
    EVENTS,
    QUEUES,
    TICK_COST_KINDS,
    TICK_STATES,
    Source,
    has_rows,
    sql,
)

#: What each event type gives a timeline: a number from its details (``value``).
_VALUES = {
    "RtgsImmediateSettlement": "$.sender_balance_after",  # the sender's balance
    "CostAccrual": "$.costs.total",  # the agent's cost this tick
}
_QUEUED = "QueuedRtgs"


def _typed_events(types: tuple[str, ...]) -> str:
    """SQL (``$run``) for the run's events of ``types``, with the numbers and
    the settled payment ids the timelines read from their details, in one pass."""
    values = " ".join(f"WHEN '{t}' THEN CAST(json_extract(details, '{p}') AS BIGINT)"
                      for t, p in _VALUES.items() if t in types)  # fmt: skip
    settling = tuple(t for t in SETTLING_FIELDS if t in types)
    listed = ", ".join(f"'{t}'" for t in types)
    return f"""
        SELECT event_seq, tick, event_type, agent_id, tx_id,
               {f"CASE event_type {values} END" if values else "NULL::BIGINT"} AS value,
               {settling_ids_sql(settling) if settling else "NULL::VARCHAR[]"} AS settles
        FROM {EVENTS} e WHERE simulation_id = $run AND event_type IN ({listed})
    """


def _from_events(types: tuple[str, ...], timeline: str) -> str:
    return f"WITH ev AS ({_typed_events(types)}) SELECT * FROM ({timeline})"


# Each timeline as rows (agent_id, tick, seq, value), one per ``grain``: a
# tick (a chart's span of ticks) for balances, an event (a span) for costs.
# From the events (over ``ev``, ``_typed_events``) or the per-tick tables.
def _balances(grain: str = "tick") -> str:
    return f"""
        SELECT agent_id, max(tick) AS tick, max(event_seq) AS seq,
               arg_max(value, event_seq) AS value
        FROM ev WHERE event_type = 'RtgsImmediateSettlement' GROUP BY agent_id, {grain}
    """


def _costs(grain: str = "event_seq") -> str:
    return f"""
        SELECT agent_id, tick, seq,
               sum(cost) OVER (PARTITION BY agent_id ORDER BY tick, seq)::BIGINT AS value
        FROM (SELECT agent_id, max(tick) AS tick, max(event_seq) AS seq, sum(value) AS cost
              FROM ev WHERE event_type = 'CostAccrual' GROUP BY agent_id, {grain})
    """


def _stored_states(value: str, grain: str = "tick") -> str:
    return f"""
        SELECT agent_id, max(tick) AS tick, 0 AS seq, arg_max({value}, tick)::BIGINT AS value
        FROM {TICK_STATES} WHERE simulation_id = $run GROUP BY agent_id, {grain}
    """


_STORED_COST = " + ".join(TICK_COST_KINDS)

# Queue sizes per tick: (tick, queue1, queue2).
_QUEUES = f"""
    WITH ticks AS (
        SELECT tick, count(*) FILTER (WHERE event_type = 'PolicyHold') AS held
        FROM {EVENTS} WHERE simulation_id = $run GROUP BY tick
    ), settled AS (
        SELECT tx_id, min(tick) AS settlement_tick
        FROM (SELECT tick, unnest(settles) AS tx_id FROM ev WHERE settles IS NOT NULL)
        GROUP BY tx_id
    ), queued AS (
        SELECT tx_id, min(tick) AS tick FROM ev WHERE event_type = '{_QUEUED}' GROUP BY tx_id
    ), moves AS (
        SELECT tick, 1 AS step FROM queued
        UNION ALL
        SELECT s.settlement_tick, -1 FROM queued q
        JOIN settled s ON s.tx_id = q.tx_id AND s.settlement_tick >= q.tick
    ), steps AS (
        SELECT tick, sum(step) AS step FROM moves GROUP BY tick
    )
    SELECT t.tick, t.held AS queue1,
           sum(coalesce(s.step, 0)) OVER (ORDER BY t.tick)::BIGINT AS queue2
    FROM ticks t LEFT JOIN steps s USING (tick)
"""
_STORED_QUEUES = f"""
    SELECT tick, count(*) FILTER (WHERE queue_type = 'queue1') AS queue1,
           count(*) FILTER (WHERE queue_type = 'queue2') AS queue2
    FROM {QUEUES} WHERE simulation_id = $run GROUP BY tick
"""
_SETTLING = tuple(SETTLING_FIELDS)


def cost_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Cumulative cost per agent per tick: from ``tick_agent_states`` where
    stored, otherwise summed from the ``CostAccrual`` events.

    Examples:
        >>> cost_timeline(demo_db, "exp-iter0-evaluation").limit(2).fetchall()
        [('BANK_00', 0, 0, 'tick_agent_states'), ('BANK_00', 1, 4, 'tick_agent_states')]
    """
    if has_rows(source, TICK_STATES, simulation_id):
        body, origin = _stored_states(_STORED_COST), "tick_agent_states"
    else:
        body, origin = _from_events(("CostAccrual",), _costs()), "CostAccrual events"
    return sql(
        source,
        f"SELECT agent_id, tick, value AS cumulative_cost, '{origin}' AS source FROM ({body})"
        " ORDER BY agent_id, tick, seq",
        {"run": simulation_id},
    )


def balance_timeline(source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
    """Balance per agent per tick: from ``tick_agent_states`` where stored,
    otherwise the sender's balance after each immediate settlement (the
    last of each tick).

    Examples:
        >>> balance_timeline(demo_db, "exp-iter0-evaluation").limit(2).fetchall()
        [('BANK_00', 0, 232205), ('BANK_00', 1, 232205)]
    """
    if has_rows(source, TICK_STATES, simulation_id):
        body = _stored_states("balance")
    else:
        body = _from_events(("RtgsImmediateSettlement",), _balances())
    return sql(
        source,
        f"SELECT agent_id, tick, value AS balance FROM ({body}) ORDER BY agent_id, tick",
        {"run": simulation_id},
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
    if has_rows(source, QUEUES, simulation_id):
        body = _STORED_QUEUES
    else:
        body = _from_events((_QUEUED, *_SETTLING), _QUEUES)
    return sql(source, f"SELECT * FROM ({body}) ORDER BY tick", {"run": simulation_id})


def run_timelines(
    source: Source, simulation_id: str, *, points: int | None = None
) -> duckdb.DuckDBPyRelation:
    """The three timelines in one relation, from one pass over the run's
    events where they are needed: ``timeline`` (balances, costs, queues),
    ``series`` (the agent, or queue1 / queue2), ``tick`` and ``value``, as
    ``balance_timeline``, ``cost_timeline`` and ``queue_timeline`` give them.

    With ``points``, each series keeps at most that many: the run's ticks cut
    into ``points`` equal spans, and each series' last value in each span
    (a chart's points: far fewer rows, and less work, than every tick).

    Examples:
        >>> both = run_timelines(demo_db, "exp-iter0-evaluation", points=2)
        >>> both.filter("series = 'BANK_00' AND timeline = 'costs'").fetchall()
        [('costs', 'BANK_00', 11, 78), ('costs', 'BANK_00', 23, 204)]
    """
    states = has_rows(source, TICK_STATES, simulation_id)
    queues = has_rows(source, QUEUES, simulation_id)
    params: dict[str, object] = {"run": simulation_id}
    if points is None:
        span, by_tick, by_event = "", "tick", "event_seq"
    else:
        params["points"] = max(1, points)
        span = f"""span AS (
            SELECT min(tick) AS first, max(tick) - min(tick) + 1 AS ticks FROM (
                SELECT tick FROM {EVENTS} WHERE simulation_id = $run
                UNION ALL SELECT tick FROM {TICK_STATES} WHERE simulation_id = $run)
        ),"""
        by_tick = by_event = (
            "(tick - (SELECT first FROM span)) * $points // (SELECT ticks FROM span)"
        )
    wanted = (() if states else ("RtgsImmediateSettlement", "CostAccrual")) + (
        () if queues else (_QUEUED, *_SETTLING)
    )
    typed = f"ev AS MATERIALIZED ({_typed_events(wanted)})," if wanted else ""
    balances = _stored_states("balance", by_tick) if states else _balances(by_tick)
    costs = _stored_states(_STORED_COST, by_tick) if states else _costs(by_event)
    return sql(
        source,
        f"""
        WITH {span} {typed}
        queues AS (
            SELECT max(tick) AS tick, arg_max(queue1, tick) AS queue1,
                   arg_max(queue2, tick) AS queue2
            FROM ({_STORED_QUEUES if queues else _QUEUES}) GROUP BY {by_tick}
        )
        SELECT * FROM (
            SELECT 'balances' AS timeline, agent_id AS series, tick, value FROM ({balances})
            UNION ALL
            SELECT 'costs', agent_id, tick, value FROM ({costs})
            UNION ALL
            SELECT 'queues', unnest(['queue1', 'queue2']), tick, unnest([queue1, queue2])
            FROM queues
        ) ORDER BY timeline, series, tick
        """,
        params,
    )
