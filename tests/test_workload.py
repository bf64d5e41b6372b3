"""The built-in workloads: deterministic, complete, and self-consistent."""

from __future__ import annotations

from collections import Counter

from simcash_db.workload import EVENT_CATALOG, catalog_events, simulate_run

SETTLING = {"RtgsImmediateSettlement", "Queue2LiquidityRelease"}


def test_same_seed_same_run_and_other_seeds_differ() -> None:
    kwargs = {"banks": 6, "ticks_per_day": 15, "days": 2, "thresholds": {"BANK_01": 0.4}}
    one, two = simulate_run(3, **kwargs), simulate_run(3, **kwargs)  # type: ignore[arg-type]
    assert one.events == two.events
    assert one.transactions == two.transactions
    assert one.tables == two.tables
    assert simulate_run(4, **kwargs).events != one.events  # type: ignore[arg-type]


def test_transactions_agree_with_the_events() -> None:
    run = simulate_run(
        11, banks=8, ticks_per_day=20, days=3, thresholds={f"BANK_{i:02d}": 0.3 for i in range(8)}
    )
    arrivals = {e["tx_id"]: e for e in run.events if e["event_type"] == "Arrival"}
    assert set(arrivals) == {tx["tx_id"] for tx in run.transactions}
    settled_at: dict[str, int] = {}
    for event in run.events:
        if event["event_type"] in SETTLING:
            settled_at[event["tx_id"]] = event["tick"]
        elif event["event_type"] in ("LsmBilateralOffset", "LsmCycleSettlement"):
            settled_at.update(dict.fromkeys(event["tx_ids"], event["tick"]))
    for tx in run.transactions:
        arrival = arrivals[tx["tx_id"]]
        assert (arrival["amount"], arrival["tick"], arrival["deadline"]) == (
            tx["amount"],
            tx["arrival_tick"],
            tx["deadline_tick"],
        )
        if tx["status"] == "settled":
            assert settled_at[tx["tx_id"]] == tx["settlement_tick"]
            assert tx["amount_settled"] == tx["amount"]
        else:
            assert tx["tx_id"] not in settled_at
    assert run.total_settlements == sum(tx["status"] == "settled" for tx in run.transactions)
    kinds = Counter(e["event_type"] for e in run.events)
    for expected in (
        "LsmBilateralOffset",
        "CollateralPost",
        "StateRegisterSet",
        "EndOfDay",
        "QueuedRtgs",
        "CostAccrual",
    ):
        assert kinds[expected] > 0, expected
    assert kinds["EndOfDay"] == 3


def test_costs_are_int_cents_and_add_up() -> None:
    run = simulate_run(5, banks=4, ticks_per_day=10, days=2)
    assert all(type(c) is int and c >= 0 for c in run.costs_per_agent.values())
    accrued: Counter[str] = Counter()
    for event in run.events:
        if event["event_type"] == "CostAccrual":
            accrued[event["agent_id"]] += event["costs"]["total"]
    penalties = Counter(
        e["sender_id"] for e in run.events if e["event_type"] == "TransactionWentOverdue"
    )
    for agent, total in run.costs_per_agent.items():
        assert total == accrued[agent] + 25_000 * penalties[agent]


def test_the_catalog_stream_covers_every_type_deterministically() -> None:
    events = list(catalog_events(9, 20_000))
    assert len(events) == 20_000
    assert {e["event_type"] for e in events} == set(EVENT_CATALOG)
    assert events[:500] == list(catalog_events(9, 500))
    for event in events[:2000]:
        catalog = EVENT_CATALOG[event["event_type"]]
        assert set(event) - {"event_type", "tick"} == set(catalog)
