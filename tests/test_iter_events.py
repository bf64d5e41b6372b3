"""iter_events: a long run replayed page by page, the same as get_events."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factories import make_run
from simcash_db import DatabaseManager
from simcash_db.readers import EventFilter, iter_events

_db = DatabaseManager(":memory:")
_db.setup()
for _run in ("paged", "other"):
    _db.save_simulation_run(make_run(_run, ticks_per_day=10))
_db.write_events(
    "paged",
    [
        {
            "event_type": "Arrival" if t % 3 else "PolicySubmit",
            "tick": t // 2,
            "agent_id": f"A{t % 4}",
            "tx_id": f"tx{t % 5}",
            "n": t,
        }
        for t in range(60)
    ],
)
_db.write_events("other", [{"event_type": "Arrival", "tick": t, "n": -t} for t in range(20)])

selections = st.fixed_dictionaries(
    {},
    optional={
        "tick": st.integers(0, 31),
        # Ordered: a reversed range is an error (test_selection_errors).
        "tick_range": st.tuples(st.integers(0, 31), st.integers(0, 31)).map(
            lambda r: tuple(sorted(r))
        ),
        "day": st.integers(0, 3),
        "agent_id": st.sampled_from(["A0", "A1", "A3", "nobody"]),
        "tx_id": st.sampled_from(["tx0", "tx4"]),
        "event_type": st.sampled_from(["Arrival", ["Arrival", "PolicySubmit"], ["Nothing"]]),
        "limit": st.integers(0, 70),
        "offset": st.integers(0, 70),
    },
)


@given(selections, st.integers(1, 70))
def test_pages_of_any_size_select_what_one_query_selects(
    selection: dict[str, Any], page_events: int
) -> None:
    with _db.conn.cursor() as cursor:
        paged = list(iter_events(cursor, "paged", EventFilter(**selection), page_events))
    # The oracle: one SQL query with the same filters, LIMIT and OFFSET.
    expected = _db.query_events("paged", **selection).project("event_seq").fetchall()
    assert [event["n"] for event in paged] == [seq for (seq,) in expected]
    assert paged == _db.get_events("paged", **selection)


def test_the_manager_replays_a_whole_run_in_write_order() -> None:
    events = list(_db.iter_events("paged"))
    assert [e["n"] for e in events] == list(range(60))
    assert list(_db.iter_events("no-such-run")) == []


def test_a_replay_reads_one_snapshot_while_the_run_grows(db: DatabaseManager) -> None:
    db.save_simulation_run(make_run("growing", ticks_per_day=10))
    db.write_events("growing", [{"event_type": "X", "tick": 0, "n": n} for n in range(5)])
    with db.conn.cursor() as cursor:
        replay = iter_events(cursor, "growing", EventFilter(), page_events=2)
        first = next(replay)
        db.write_events("growing", [{"event_type": "X", "tick": 1, "n": n} for n in range(5, 9)])
        rest = list(replay)
    assert [e["n"] for e in [first, *rest]] == [0, 1, 2, 3, 4]
    assert len(db.get_events("growing")) == 9


def test_bad_paging_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        next(_db.iter_events("paged", limit=-1))
    with _db.conn.cursor() as cursor, pytest.raises(ValueError, match="page_events"):
        next(iter_events(cursor, "paged", EventFilter(), page_events=0))
