"""Analysis queries, each checked against answers computed here in Python
from the stored rows (not by the same SQL)."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from simcash_db import DatabaseManager, ExperimentRecorder, ExperimentRepository, analysis
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

EVAL = "exp-iter0-evaluation"


@pytest.fixture(scope="module")
def db() -> Any:
    with DatabaseManager(":memory:") as manager:
        manager.setup()
        run_synthetic_experiment(
            ExperimentRecorder(manager), "exp", 3, ExperimentShape(4, 2, 4, 12, 2)
        )
        yield manager


def rows(db: DatabaseManager, sql: str, params: list[object]) -> list[dict[str, Any]]:
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def records(relation: Any) -> list[dict[str, Any]]:
    return [dict(zip(relation.columns, r, strict=True)) for r in relation.fetchall()]


def test_cost_curve(db: DatabaseManager) -> None:
    expected = []
    best = None
    for it in ExperimentRepository(db).get_iterations("exp"):
        total = sum(it.costs_per_agent.values())
        best = total if best is None else min(best, total)
        for agent, cost in sorted(it.costs_per_agent.items()):
            accepted = it.accepted_changes.get(agent)
            expected.append((it.iteration, agent, cost, total, accepted, best))
    assert analysis.cost_curve(db, "exp").fetchall() == expected


def test_policy_evaluations(db: DatabaseManager) -> None:
    stored = ExperimentRepository(db).get_policy_evaluations("exp")
    got = records(analysis.policy_evaluations(db, "exp"))
    assert [(r["iteration"], r["agent_id"]) for r in got] == [
        (e.iteration, e.agent_id) for e in stored
    ]
    for row, e in zip(got, stored, strict=True):
        assert row["delta"] == e.new_cost - e.old_cost
        assert row["mean_delta"] == pytest.approx(e.delta_sum / e.num_samples)
        assert (row["cost_ci95_lower"], row["cost_ci95_upper"]) == (
            e.cost_ci95_lower,
            e.cost_ci95_upper,
        )


def test_run_summary(db: DatabaseManager) -> None:
    txs = rows(db, "SELECT * FROM transactions WHERE simulation_id = ?", [EVAL])
    settled = [t for t in txs if t["status"] == "settled"]
    delays = [t["settlement_tick"] - t["arrival_tick"] for t in settled]
    daily = rows(db, "SELECT * FROM daily_agent_metrics WHERE simulation_id = ?", [EVAL])
    events = db.get_events(EVAL)
    (summary,) = records(analysis.run_summary(db, EVAL))
    assert summary["events"] == len(events)
    assert summary["events_by_type"] == dict(Counter(e["event_type"] for e in events))
    assert (summary["arrived"], summary["settled"]) == (len(txs), len(settled))
    assert summary["overdue"] == sum(t["status"] == "overdue" for t in txs)
    assert summary["settlement_rate"] == pytest.approx(len(settled) / len(txs))
    assert summary["avg_delay_ticks"] == pytest.approx(statistics.mean(delays))
    assert summary["p95_delay_ticks"] == pytest.approx(
        statistics.quantiles(delays, n=20, method="inclusive")[18]
    )
    assert summary["total_cost"] == sum(d["total_cost"] for d in daily)
    assert summary["delay_cost"] == sum(d["delay_cost"] for d in daily)


def test_settlement_by_day(db: DatabaseManager) -> None:
    txs = rows(db, "SELECT * FROM transactions WHERE simulation_id = ?", [EVAL])
    by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in txs:
        by_day[t["arrival_day"]].append(t)
    expected = [
        (day, len(ts), sum(t["status"] == "settled" for t in ts),
         sum(t["amount_settled"] for t in ts), sum(t["status"] == "settled" for t in ts) / len(ts))
        for day, ts in sorted(by_day.items())
    ]  # fmt: skip
    assert analysis.settlement_by_day(db, EVAL).fetchall() == expected


@contextmanager
def without_tick_states(db: DatabaseManager) -> Iterator[None]:
    """The run as stored below FULL detail: no per-tick states (rolled back after)."""
    db.conn.execute("BEGIN TRANSACTION")
    try:
        db.conn.execute("DELETE FROM tick_agent_states WHERE simulation_id = ?", [EVAL])
        yield
    finally:
        db.conn.execute("ROLLBACK")


def test_cost_timeline_from_tick_states_agrees_with_the_events(db: DatabaseManager) -> None:
    running: dict[str, int] = defaultdict(int)
    expected = []
    for event in db.get_events(EVAL, event_type="CostAccrual"):
        running[event["agent_id"]] += event["costs"]["total"]
        expected.append((event["agent_id"], event["tick"], running[event["agent_id"]]))
    expected.sort(key=lambda r: (r[0], r[1]))
    # Stored in full, the run has a state per agent and tick: the same costs.
    timeline = analysis.cost_timeline(db, EVAL).fetchall()
    assert {source for *_, source in timeline} == {"tick_agent_states"}
    at = {(a, t): c for a, t, c, _ in timeline}
    assert [(a, t, at[(a, t)]) for a, t, _ in expected] == expected
    with without_tick_states(db):
        got = [(a, t, c) for a, t, c, _ in analysis.cost_timeline(db, EVAL).fetchall()]
    assert got == expected


def test_balance_and_queue_timelines_from_events(db: DatabaseManager) -> None:
    last: dict[tuple[str, int], int] = {}
    q2: dict[int, int] = defaultdict(int)
    held: dict[int, int] = defaultdict(int)
    for event in db.get_events(EVAL):
        kind, tick = event["event_type"], event["tick"]
        if kind == "RtgsImmediateSettlement":
            last[(event["sender"], tick)] = event["sender_balance_after"]
        q2[tick] += {"QueuedRtgs": 1, "Queue2LiquidityRelease": -1}.get(kind, 0)
        held[tick] += kind == "PolicyHold"
    with without_tick_states(db):
        assert analysis.balance_timeline(db, EVAL).fetchall() == [
            (a, t, b) for (a, t), b in sorted(last.items())
        ]
    size, expected = 0, []
    for tick in sorted(q2):
        size += q2[tick]
        expected.append((tick, held[tick], size))
    assert analysis.queue_timeline(db, EVAL).fetchall() == expected


def test_transaction_lifecycle(db: DatabaseManager) -> None:
    (tx,) = rows(db, "SELECT * FROM transactions WHERE simulation_id = ? AND status = 'settled' "
                 "ORDER BY tx_id LIMIT 1", [EVAL])  # fmt: skip
    got = records(analysis.transaction_lifecycle(db, EVAL, tx["tx_id"]))
    expected = [e for e in db.get_events(EVAL) if e.get("tx_id") == tx["tx_id"]]
    assert [r["event_type"] for r in got] == [e["event_type"] for e in expected]
    assert got[0]["event_type"] == "Arrival" and {r["status"] for r in got} == {"settled"}
    assert json.loads(got[0]["details"])["amount"] == tx["amount"]


def test_compare_runs(db: DatabaseManager) -> None:
    a, b = EVAL, "exp-iter1-evaluation"
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for run in (a, b):
        for d in rows(db, "SELECT * FROM daily_agent_metrics WHERE simulation_id = ?", [run]):
            for kind in ("liquidity_cost", "delay_cost", "collateral_cost", "split_friction_cost",
                         "deadline_penalty_cost", "total_cost"):  # fmt: skip
                sums[(run, d["agent_id"], kind)] += d[kind]
    got = analysis.compare_runs(db, a, b).fetchall()
    assert len(got) == 4 * 6
    for agent, kind, cost_a, cost_b, difference in got:
        assert (cost_a, cost_b) == (sums[(a, agent, kind)], sums[(b, agent, kind)])
        assert difference == cost_b - cost_a
    counts = dict(Counter(e["event_type"] for e in db.get_events(a)))
    side = {t: (x, y) for t, x, y in analysis.compare_event_counts(db, a, b).fetchall()}
    assert {t: x for t, (x, _) in side.items() if x} == counts


def long_form(db: DatabaseManager, sim: str) -> list[tuple[str, str, int, int, int]]:
    """The three timelines as (timeline, series, tick, order, value), in their order."""
    rows = [("balances", a, t, 0, b) for a, t, b in analysis.balance_timeline(db, sim).fetchall()]
    costs = analysis.cost_timeline(db, sim).fetchall()
    rows += [("costs", a, t, n, c) for n, (a, t, c, _) in enumerate(costs)]
    for tick, queue1, queue2 in analysis.queue_timeline(db, sim).fetchall():
        rows += [("queues", "queue1", tick, 0, queue1), ("queues", "queue2", tick, 0, queue2)]
    return sorted(rows)


def check_run_timelines(db: DatabaseManager, sim: str) -> None:
    whole = long_form(db, sim)
    assert whole and {r[0] for r in whole} == {"balances", "costs", "queues"}
    got = analysis.run_timelines(db, sim).fetchall()
    assert sorted(got) == sorted((k, s, t, v) for k, s, t, _, v in whole)
    # A chart's points: the run's ticks cut into equal spans, each series'
    # last value in each span, computed here from the whole timelines.
    ticks = [r[0] for r in db.conn.execute(
        "SELECT tick FROM simulation_events WHERE simulation_id = ?"
        " UNION ALL SELECT tick FROM tick_agent_states WHERE simulation_id = ?", [sim, sim]
    ).fetchall()]  # fmt: skip
    first, span = min(ticks), max(ticks) - min(ticks) + 1
    for points in (1, 2, 7, 10_000):
        last: dict[tuple[str, str, int], tuple[int, int]] = {}
        for kind, series, tick, _, value in whole:  # sorted: the last row of a span wins
            last[(kind, series, (tick - first) * points // span)] = (tick, value)
        expected = sorted((k, s, t, v) for (k, s, _), (t, v) in last.items())
        assert analysis.run_timelines(db, sim, points=points).fetchall() == expected
        per_series = Counter((k, s) for k, s, _, _ in expected)
        assert max(per_series.values()) <= points


def test_run_timelines_are_the_three_timelines_in_one(db: DatabaseManager) -> None:
    check_run_timelines(db, EVAL)  # from the per-tick tables
    with without_tick_states(db):
        check_run_timelines(db, EVAL)  # from the events


def test_run_timelines_of_the_real_simulator() -> None:
    # Its events hold LSM offsets and splits; it stores no per-tick tables.
    from factories import make_run
    from fake_orchestrator import fixture_events

    with DatabaseManager(":memory:") as real:
        real.setup()
        real.save_simulation_run(make_run("policies", ticks_per_day=50))
        real.write_events("policies", fixture_events("policies"))
        check_run_timelines(real, "policies")
