"""Payments named outside ``tx_id`` (LSM settlements, splits, offsets): the
analysis queries see them, checked against answers computed here in Python
from the simulator's real events (tests/fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from factories import make_run
from fake_orchestrator import fixture_events
from simcash_db import DatabaseManager, analysis

SCENARIO = "policies"  # holds LSM bilateral offsets and splits; stored without transaction rows


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    return fixture_events(SCENARIO)


@pytest.fixture(scope="module")
def db(events: list[dict[str, Any]]) -> Iterator[DatabaseManager]:
    with DatabaseManager(":memory:") as manager:
        manager.setup()
        manager.save_simulation_run(make_run(SCENARIO, ticks_per_day=50))
        manager.write_events(SCENARIO, events)
        yield manager


def named(event: dict[str, Any]) -> set[str]:
    """Every payment id the event names, by ../shared/events.md's fields."""
    ids: set[str] = set()
    for field in analysis.PAYMENT_FIELDS:
        value = event.get(field)
        if isinstance(value, str):
            ids.add(value)
        elif isinstance(value, list):
            ids.update(value)
    return ids


def family(events: list[dict[str, Any]], tx_id: str) -> set[str]:
    members, grew = {tx_id}, True
    while grew:
        before = len(members)
        for event in events:
            if event["event_type"] == "PolicySplit" and event["tx_id"] in members:
                members.update(event["child_ids"])
        grew = len(members) > before
    return members


def lifecycle(db: DatabaseManager, tx_id: str) -> list[tuple[Any, ...]]:
    relation = analysis.transaction_lifecycle(db, SCENARIO, tx_id)
    return relation.select("event_seq, tick, event_type, tx_id").fetchall()


def test_a_payment_settled_by_the_lsm_shows_its_settlement(
    db: DatabaseManager, events: list[dict[str, Any]]
) -> None:
    lsm = next(e for e in events if e["event_type"] == "LsmBilateralOffset")
    for tx_id in lsm["tx_ids"]:
        expected = [
            (seq, e["tick"], e["event_type"], tx_id)
            for seq, e in enumerate(events)
            if tx_id in named(e)
        ]
        got = lifecycle(db, tx_id)
        assert got == expected
        assert "LsmBilateralOffset" in {row[2] for row in got}


def test_a_split_payment_holds_its_parts_events(
    db: DatabaseManager, events: list[dict[str, Any]]
) -> None:
    for split in [e for e in events if e["event_type"] == "PolicySplit"][:5]:
        members = family(events, split["tx_id"])
        expected = [seq for seq, e in enumerate(events) if named(e) & members]
        got = lifecycle(db, split["tx_id"])
        assert [row[0] for row in got] == expected
        parts = {row[3] for row in got}
        assert parts == members  # each part's own events are there, each named by its id
        named_in = analysis.transaction_lifecycle(db, SCENARIO, split["tx_id"]).filter(
            "event_type = 'PolicySplit'"
        )
        assert named_in.select("tx_id, named_in").fetchall()[0] == (
            split["tx_id"],
            "child_ids, tx_id",
        )


def test_an_id_inside_another_is_not_a_mention(db: DatabaseManager) -> None:
    assert lifecycle(db, "9") == []  # every uuid holds a 9; none is "9"


def settled_at(events: list[dict[str, Any]]) -> dict[str, int]:
    first: dict[str, int] = {}
    for event in events:
        fields = analysis.SETTLING_FIELDS.get(event["event_type"], ())
        for field in fields:
            value = event[field]
            for tx_id in value if isinstance(value, list) else [value]:
                first.setdefault(tx_id, event["tick"])
    return first


def test_a_run_stored_without_transaction_rows_counts_lsm_settlements(
    db: DatabaseManager, events: list[dict[str, Any]]
) -> None:
    settled = settled_at(events)
    arrivals = {e["tx_id"]: e for e in events if e["event_type"] == "Arrival"}
    by_lsm = {i for e in events if e["event_type"].startswith("Lsm") for i in e["tx_ids"]}
    assert by_lsm & arrivals.keys()  # the check below would prove nothing otherwise
    summary = analysis.run_summary(db, SCENARIO).select("arrived, settled, avg_delay_ticks")
    arrived, count, delay = summary.fetchall()[0]
    delays = [settled[t] - a["tick"] for t, a in arrivals.items() if t in settled]
    assert (arrived, count) == (len(arrivals), len(delays))
    assert delay == pytest.approx(sum(delays) / len(delays))
    per_day = analysis.settlement_by_day(db, SCENARIO).fetchall()
    for day, arrived_that_day, settled_that_day, value, _ in per_day:
        that_day = [a for a in arrivals.values() if a["tick"] // 50 == day]
        assert arrived_that_day == len(that_day)
        assert settled_that_day == sum(a["tx_id"] in settled for a in that_day)
        assert value == sum(a["amount"] for a in that_day if a["tx_id"] in settled)


def test_queue_two_empties_when_the_lsm_settles(
    db: DatabaseManager, events: list[dict[str, Any]]
) -> None:
    settled = settled_at(events)
    queued: dict[str, int] = {}
    for e in events:
        if e["event_type"] == "QueuedRtgs":
            queued.setdefault(e["tx_id"], e["tick"])
    ticks = sorted({e["tick"] for e in events})
    expected = [
        sum(q <= tick and not (t in settled and q <= settled[t] <= tick) for t, q in queued.items())
        for tick in ticks
    ]
    got = analysis.queue_timeline(db, SCENARIO).fetchall()
    assert [row[0] for row in got] == ticks
    assert [row[2] for row in got] == expected
