"""Event filters that cannot mean what was typed are refused, not silently ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from factories import make_run
from simcash_db import DatabaseManager


@pytest.fixture
def run_db(db: DatabaseManager) -> DatabaseManager:
    db.save_simulation_run(make_run("s"))
    db.write_events("s", [{"event_type": "A", "tick": t, "agent_id": "BANK_01"} for t in range(5)])
    return db


READERS: dict[str, Callable[[DatabaseManager, dict[str, Any]], object]] = {
    "get_events": lambda db, kw: db.get_events("s", **kw),
    "iter_events": lambda db, kw: db.iter_events("s", **kw),
    "iter_event_lines": lambda db, kw: db.iter_event_lines("s", **kw),
    "query_events": lambda db, kw: db.query_events("s", **kw),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("keyword", ["agent", "type", "ticks"])
def test_a_misspelt_filter_raises_type_error_naming_it(
    run_db: DatabaseManager, reader: str, keyword: str
) -> None:
    # Raised by the call itself, before any iteration.
    with pytest.raises(TypeError, match=f"unknown event filter '{keyword}'.*agent_id"):
        READERS[reader](run_db, {keyword: "BANK_01"})


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_reversed_tick_range_is_an_error(run_db: DatabaseManager, reader: str) -> None:
    with pytest.raises(ValueError, match=r"tick_range \(3, 1\) is reversed"):
        READERS[reader](run_db, {"tick_range": (3, 1)})


def test_the_filters_still_select(run_db: DatabaseManager) -> None:
    assert len(run_db.get_events("s", agent_id="BANK_01", tick_range=(1, 3))) == 3
