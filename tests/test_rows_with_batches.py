"""Rows that ride with an event writer's batches (``EventWriter.add_rows``):
a recorder's day rows commit with its events, never on their own."""

from __future__ import annotations

from typing import Any

import pytest

from factories import make_run
from simcash_db import DatabaseManager, WriteError


def metrics(day: int, agents: tuple[str, ...] = ("A", "B")) -> list[dict[str, Any]]:
    balances = dict.fromkeys(
        ("opening_balance", "closing_balance", "min_balance", "max_balance"), 1_000
    )
    return [
        {"agent_id": a, "day": day, **balances, "unsecured_cap": 0, "peak_overdraft": 0}
        for a in agents
    ]


def arrivals(first: int, n: int) -> list[dict[str, Any]]:
    return [{"event_type": "Arrival", "tick": t, "tx_id": f"t{t}"} for t in range(first, first + n)]


@pytest.fixture
def run_db(db: DatabaseManager) -> DatabaseManager:
    db.save_simulation_run(make_run("s1", ticks_per_day=10))
    return db


def stored_days(db: DatabaseManager) -> list[int]:
    rows = db.conn.execute(
        "SELECT DISTINCT day FROM daily_agent_metrics WHERE simulation_id = 's1' ORDER BY day"
    ).fetchall()
    return [day for (day,) in rows]


def test_rows_commit_with_the_next_batch_and_not_before(run_db: DatabaseManager) -> None:
    db = run_db
    with db.event_writer("s1", batch_size=10) as writer:
        writer.extend(arrivals(0, 5))
        writer.add_rows(db.encode_tables({"daily_agent_metrics": metrics(0)}, simulation_id="s1"))
        writer.sync()
        assert stored_days(db) == []  # waiting for the batch
        writer.extend(arrivals(5, 5))  # the batch fills: it commits, the rows with it
        writer.sync()
        assert stored_days(db) == [0]
        assert writer.committed == 10
        writer.add_rows(db.encode_tables({"daily_agent_metrics": metrics(1)}, simulation_id="s1"))
    # close commits the rows added, with no events left to go with them
    assert stored_days(db) == [0, 1]
    assert db.table_counts()["simulation_events"] == 10
    assert db.conn.execute("SELECT count(*) FROM event_batches").fetchone() == (1,)


def test_a_key_already_stored_fails_the_batch_and_stores_none_of_it(
    run_db: DatabaseManager,
) -> None:
    db = run_db
    db.write_tables({"daily_agent_metrics": metrics(0)}, simulation_id="s1")
    writer = db.event_writer("s1", batch_size=100)
    writer.extend(arrivals(0, 3))
    writer.add_rows(db.encode_tables({"daily_agent_metrics": metrics(0)}, simulation_id="s1"))
    with pytest.raises(WriteError, match=r"daily_agent_metrics: key .* is already stored"):
        writer.close()
    assert db.table_counts()["simulation_events"] == 0
    assert db.table_counts()["daily_agent_metrics"] == 2


def test_aborting_keeps_the_rows_added_and_drops_the_unflushed_events(
    run_db: DatabaseManager,
) -> None:
    db = run_db
    rows = db.encode_tables({"daily_agent_metrics": metrics(0)}, simulation_id="s1")
    failing = pytest.raises(RuntimeError, match="the run failed")
    with failing, db.event_writer("s1", batch_size=100) as writer:
        writer.extend(arrivals(0, 7))
        writer.add_rows(rows)
        raise RuntimeError("the run failed")
    assert stored_days(db) == [0]
    assert db.table_counts()["simulation_events"] == 0
    # the run's next write goes on where the committed events end
    assert db.write_events("s1", arrivals(0, 2)) == 2


def test_rows_of_another_run_are_refused_by_name(run_db: DatabaseManager) -> None:
    db = run_db
    db.save_simulation_run(make_run("s2", ticks_per_day=10))
    other = db.encode_tables({"daily_agent_metrics": metrics(0)}, simulation_id="s2")
    with db.event_writer("s1") as writer, pytest.raises(ValueError, match=r"'s2'.*'s1'"):
        writer.add_rows(other)


def test_a_quote_in_the_run_id_is_data_not_sql(db: DatabaseManager) -> None:
    db.save_simulation_run(make_run("it's", ticks_per_day=10))
    with db.event_writer("it's") as writer:
        writer.extend(arrivals(0, 2))
        writer.add_rows(db.encode_tables({"daily_agent_metrics": metrics(0)}, simulation_id="it's"))
    again = db.event_writer("it's")
    again.add_rows(db.encode_tables({"daily_agent_metrics": metrics(0)}, simulation_id="it's"))
    with pytest.raises(WriteError, match="already stored"):
        again.close()
    assert db.table_counts()["daily_agent_metrics"] == 2


def test_nothing_behind_a_failed_batch_commits(
    run_db: DatabaseManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With batches in line (``in_line``), those handed over behind one that
    fails are not run: no event is stored after a gap."""
    import threading

    import simcash_db.writers.stream as stream

    release = threading.Event()
    real = stream.commit_batch
    calls: list[int] = []

    def first_fails(*args: Any, **kwargs: Any) -> int | None:
        calls.append(1)
        if len(calls) == 1:
            args[5]()  # started: the hand-over returns
            assert release.wait(5)  # the second batch is handed over meanwhile
            raise RuntimeError("the disk is gone")
        return real(*args, **kwargs)

    monkeypatch.setattr(stream, "commit_batch", first_fails)
    db = run_db
    writer = db.event_writer("s1", batch_size=5, in_line=2, encode_overlap=False)
    writer.extend(arrivals(0, 5))  # batch 1: committing (and about to fail)
    writer.extend(arrivals(5, 5))  # batch 2: waits in line behind it
    release.set()
    with pytest.raises(WriteError, match="the disk is gone"):
        writer.close()
    assert calls == [1]  # the second never ran
    assert db.table_counts()["simulation_events"] == 0
    assert db.write_events("s1", arrivals(0, 3)) == 3
    stored = db.conn.execute("SELECT event_seq FROM simulation_events ORDER BY event_seq")
    assert [seq for (seq,) in stored.fetchall()] == [0, 1, 2]
