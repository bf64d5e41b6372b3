"""The native reader: stored events back as dicts and as JSON lines, exactly."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factories import make_run
from simcash_db import DatabaseManager
from simcash_db._native import decode_events, event_lines
from strategies import any_event, typed

SELECT = "SELECT event_type, tick, details FROM simulation_events ORDER BY event_seq"


def stored_as_json_loads(db: DatabaseManager) -> list[dict[str, Any]]:
    """What the Python reader used to give: the stored text through json.loads."""
    rows = db.conn.execute(SELECT).fetchall()
    return [{"event_type": t, "tick": k, **json.loads(d)} for t, k, d in rows]


@given(st.lists(any_event, max_size=25))
def test_native_decoding_equals_json_loads_of_the_stored_text(events: list[dict[str, Any]]) -> None:
    with DatabaseManager(":memory:") as db:
        db.setup()
        db.save_simulation_run(make_run("s"))
        db.write_events("s", events)
        expected = stored_as_json_loads(db)
        decoded = decode_events(db.conn.sql(SELECT))
        assert typed(decoded) == typed(expected)
        assert [list(e) for e in decoded] == [list(e) for e in expected]  # key order
        count, lines = event_lines(db.conn.sql(SELECT))
        assert count == len(events)
        parsed = [json.loads(line) for line in lines.decode().split("\n")[:-1]]
        assert typed(parsed) == typed(expected)


def test_awkward_values_come_back_exactly(db: DatabaseManager) -> None:
    event = {
        "event_type": 'Odd"Type\\',
        "tick": 3,
        "note": 'nul\x00 tab\t quote" backslash\\ \u2028 \U0001f600 é',
        "ratio": 1.0,
        "tiny": 5e-324,
        "big": 2**63 - 1,
        "small": -(2**63),
        "nothing": None,
        "nested": {"b": [1, 2.5, {"c": None}], "a": []},
        "flag": True,
    }
    db.save_simulation_run(make_run("s"))
    db.write_events("s", [event, {"event_type": "Empty", "tick": 4}])
    got = db.get_events("s")
    assert typed(got) == typed([event, {"event_type": "Empty", "tick": 4}])
    assert list(got[0]) == list(event)
    (block,) = list(db.iter_event_lines("s"))
    assert [json.loads(line) for line in block.splitlines()] == got


def test_repeated_strings_share_one_object(db: DatabaseManager) -> None:
    db.save_simulation_run(make_run("s"))
    db.write_events(
        "s", [{"event_type": "Arrival", "tick": t, "sender_id": "BANK_01"} for t in range(50)]
    )
    events = db.get_events("s")
    assert len({id(e["sender_id"]) for e in events}) == 1
    assert len({id(e["event_type"]) for e in events}) == 1


def test_decoding_leaves_the_garbage_collector_as_it_was(db: DatabaseManager) -> None:
    db.save_simulation_run(make_run("s"))
    db.write_events("s", [{"event_type": "A", "tick": 0}])
    assert gc.isenabled()
    db.get_events("s")
    assert gc.isenabled()
    gc.disable()
    try:
        db.get_events("s")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_source_without_an_arrow_stream_is_refused() -> None:
    with pytest.raises(AttributeError):
        decode_events(object())


def test_replay_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        db.save_simulation_run(make_run("s"))
        db.write_events(
            "s", [{"event_type": "A", "tick": t, "n": "x" * 100} for t in range(50_000)]
        )
    command = Path(sys.executable).parent / "simcash-db"
    script = f"{command} --db {path} replay s | head -n 2; echo exit=${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and json.loads(lines[0]) == {
        "event_type": "A",
        "tick": 0,
        "n": "x" * 100,
    }
    assert lines[2] == "exit=0"
    assert done.stderr == ""
