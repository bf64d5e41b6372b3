"""INV-5 / INV-6: what a simulator hands in comes back out exactly, in order."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from factories import make_run
from simcash_db import DatabaseManager
from simcash_db.workload.orchestrator import pyo3_objects
from strategies import any_event, typed

_ids = itertools.count()


def fresh_run(db: DatabaseManager, ticks_per_day: int = 100) -> str:
    simulation_id = f"run-{next(_ids)}"
    db.save_simulation_run(make_run(simulation_id, ticks_per_day=ticks_per_day))
    return simulation_id


def stored_seqs(db: DatabaseManager, simulation_id: str) -> list[int]:
    rows = db.conn.execute(
        "SELECT event_seq FROM simulation_events WHERE simulation_id = ? ORDER BY event_seq",
        [simulation_id],
    ).fetchall()
    return [seq for (seq,) in rows]


_shared = DatabaseManager(":memory:")
_shared.setup()


@given(
    st.lists(any_event, max_size=30),
    st.lists(any_event, max_size=30),
    st.integers(1, 7),
)
def test_events_read_back_exactly_and_in_order(
    first: list[dict[str, Any]], second: list[dict[str, Any]], batch_size: int
) -> None:
    db = _shared
    simulation_id = fresh_run(db)
    db.write_events(simulation_id, first, batch_size=batch_size)
    with db.event_writer(simulation_id, batch_size=batch_size) as writer:
        for event in second:
            writer.append(event)
    back = db.get_events(simulation_id)
    assert [typed(e) for e in back] == [typed(e) for e in first + second]
    assert stored_seqs(db, simulation_id) == list(range(len(first) + len(second)))


def test_filter_columns_and_day(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db, ticks_per_day=10)
    events = [
        {"event_type": "Arrival", "tick": 3, "tx_id": "t1", "sender_id": "A", "amount": 5},
        {"event_type": "RtgsImmediateSettlement", "tick": 12, "tx_id": "t1", "sender": "B"},
        {"event_type": "EntryDispositionOffset", "tick": 25, "agent_a": "C", "agent_b": "D"},
        {"event_type": "EndOfDay", "tick": 29, "day": 2, "unsettled_count": 0},
        {"event_type": "CostAccrual", "tick": 29, "agent_id": "A", "sender": "Z"},
    ]
    db.write_events(simulation_id, events)
    rows = db.conn.execute(
        "SELECT tick, day, agent_id, tx_id, details FROM simulation_events ORDER BY event_seq"
    ).fetchall()
    assert [(t, d, a, x) for t, d, a, x, _ in rows] == [
        (3, 0, "A", "t1"),
        (12, 1, "B", "t1"),
        (25, 2, "C", None),
        (29, 2, None, None),
        (29, 2, "A", None),
    ]
    # details keep everything but event_type and tick, the event's own day included.
    assert rows[3][4] == '{"day":2,"unsettled_count":0}'


def test_get_events_filters_and_pages(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db, ticks_per_day=10)
    events = [
        {
            "event_type": "Arrival" if t % 2 else "PolicySubmit",
            "tick": t,
            "agent_id": f"A{t % 3}",
            "tx_id": f"tx{t % 4}",
        }
        for t in range(40)
    ]
    db.write_events(simulation_id, events)

    def ticks(**criteria: Any) -> list[int]:
        return [e["tick"] for e in db.get_events(simulation_id, **criteria)]

    assert ticks(tick=7) == [7]
    assert ticks(tick_range=(5, 8)) == [5, 6, 7, 8]
    assert ticks(day=2) == list(range(20, 30))
    assert ticks(agent_id="A1", day=0) == [1, 4, 7]
    assert ticks(tx_id="tx3", event_type="Arrival") == [3, 7, 11, 15, 19, 23, 27, 31, 35, 39]
    assert ticks(event_type=["PolicySubmit"], limit=3, offset=2) == [4, 6, 8]
    assert ticks(offset=38) == [38, 39]
    assert db.get_events("no-such-run") == []


def test_query_events_is_a_relation_for_analytics(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db)
    db.write_events(simulation_id, [{"event_type": "X", "tick": t, "amount": t} for t in range(5)])
    relation = db.query_events(simulation_id, tick_range=(1, 3))
    table = relation.to_arrow_table()
    assert table.column("tick").to_pylist() == [1, 2, 3]
    assert relation.aggregate("count(*)").fetchall() == [(3,)]


def test_state_registers_keep_the_last_value_of_a_tick(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db)

    def register(tick: int, value: float, key: str = "mode") -> dict[str, Any]:
        return {
            "event_type": "StateRegisterSet",
            "tick": tick,
            "agent_id": "A",
            "register_key": key,
            "old_value": 0.0,
            "new_value": value,
            "reason": "r",
        }

    def stored() -> list[tuple[Any, ...]]:
        return db.conn.execute(
            "SELECT tick, agent_id, register_key, register_value FROM agent_state_registers "
            "ORDER BY tick, register_key"
        ).fetchall()

    # Tick 5 spans two batches of the first write, then a later write, then a
    # streamed batch.
    db.write_events(
        simulation_id,
        [register(5, 1.0), register(5, 2.0), register(5, 3.0), register(6, 4.0, "other")],
        batch_size=2,
    )
    assert stored() == [(5, "A", "mode", 3.0), (6, "A", "other", 4.0)]
    db.write_events(simulation_id, [register(5, 9.5), register(7, 2)])
    assert stored() == [(5, "A", "mode", 9.5), (6, "A", "other", 4.0), (7, "A", "mode", 2.0)]
    with db.event_writer(simulation_id, batch_size=2) as writer:
        writer.extend([register(6, 1.5, "other"), register(6, 0.5), register(6, 8.0, "other")])
    assert stored() == [
        (5, "A", "mode", 9.5),
        (6, "A", "mode", 0.5),
        (6, "A", "other", 8.0),
        (7, "A", "mode", 2.0),
    ]
    assert len(db.get_events(simulation_id)) == 9


def test_registers_set_back_in_time_still_keep_the_last_value(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db)
    ticks_and_values = [(3, 1.0), (4, 2.0), (3, 5.0), (2, 7.0), (4, 6.0), (3, 8.0)]
    db.write_events(
        simulation_id,
        [
            {
                "event_type": "StateRegisterSet",
                "tick": tick,
                "agent_id": agent,
                "register_key": "k",
                "old_value": 0.0,
                "new_value": value,
            }
            for tick, value in ticks_and_values
            for agent in ("A", "B")
        ],
    )
    stored = db.conn.execute(
        "SELECT agent_id, tick, register_value FROM agent_state_registers ORDER BY ALL"
    ).fetchall()
    latest = {3: 8.0, 4: 6.0, 2: 7.0}
    assert stored == [(a, t, latest[t]) for a in "AB" for t in sorted(latest)]


def test_generators_and_tuples_of_events_are_accepted(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db)
    written = db.write_events(
        simulation_id, ({"event_type": "X", "tick": t} for t in range(250)), batch_size=100
    )
    assert written == 250
    assert stored_seqs(db, simulation_id) == list(range(250))


def test_a_half_read_analytics_stream_does_not_block_the_manager(db: DatabaseManager) -> None:
    simulation_id = fresh_run(db)
    db.write_events(simulation_id, [{"event_type": "X", "tick": t} for t in range(50_000)])
    reader = db.query_events(simulation_id).to_arrow_reader(1_000)
    assert reader.read_next_batch().num_rows == 1_000
    db.save_simulation_run(make_run(f"{simulation_id}-other"))  # the manager goes on
    assert db.write_events(simulation_id, [{"event_type": "Y", "tick": 1}]) == 1
    assert db.table_counts()["simulation_events"] >= 50_001


def _stored(db: DatabaseManager, simulation_id: str) -> list[tuple[Any, ...]]:
    return db.conn.execute(
        "SELECT event_seq, tick, day, event_type, agent_id, tx_id, details FROM simulation_events "
        "WHERE simulation_id = ? ORDER BY event_seq",
        [simulation_id],
    ).fetchall()


@given(st.lists(any_event, max_size=30))
def test_a_new_str_for_every_key_stores_the_same_rows(events: list[dict[str, Any]]) -> None:
    # A PyO3 simulator hands over new key objects in every dict; the encoder
    # knows keys by their object first, so both must store the same.
    db = _shared
    shared, rebuilt = fresh_run(db), fresh_run(db)
    db.write_events(shared, events)
    db.write_events(rebuilt, pyo3_objects(events))
    assert _stored(db, rebuilt) == _stored(db, shared)


def test_more_distinct_keys_than_the_key_cache_holds(db: DatabaseManager) -> None:
    # 5,000 distinct key texts: the cache starts over on the way, and every
    # key, new object or not, is still written under its own name.
    simulation_id = fresh_run(db)
    events = [
        {"event_type": "Custom", "tick": 0, "agent_id": "A", f"field_{i}": i, "tx_id": f"t{i}"}
        for i in range(5000)
    ]
    mixed = [pyo3_objects(e) if i % 2 else e for i, e in enumerate(events)]
    db.write_events(simulation_id, mixed)
    assert typed(db.get_events(simulation_id)) == typed(events)
    columns = db.conn.execute(
        "SELECT agent_id, tx_id FROM simulation_events WHERE simulation_id = ? ORDER BY event_seq",
        [simulation_id],
    ).fetchall()
    assert columns == [("A", f"t{i}") for i in range(5000)]
