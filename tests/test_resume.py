"""Resume without duplicates: every batch is recorded with its id in its own transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from factories import make_run
from simcash_db import DatabaseManager, SchemaVersionError
from simcash_db.schema import META_TABLE, SCHEMA_VERSION


def batch(k: int, size: int = 5) -> list[dict[str, Any]]:
    return [{"event_type": "X", "tick": k, "batch": k, "i": i} for i in range(size)]


def ledger(db: DatabaseManager) -> list[tuple[str, int, int]]:
    return db.conn.execute(
        "SELECT batch_id, first_seq, num_events FROM event_batches ORDER BY first_seq"
    ).fetchall()


@pytest.fixture
def run_db(db: DatabaseManager) -> DatabaseManager:
    db.save_simulation_run(make_run("s1"))
    return db


def test_a_resent_batch_is_skipped_not_duplicated(run_db: DatabaseManager) -> None:
    with run_db.event_writer("s1") as writer:
        assert writer.write_batch("b0", batch(0)) == 5
        assert writer.write_batch("b1", batch(1)) == 5
        writer.sync()
        assert writer.write_batch("b1", batch(1)) == 0  # sent again: skipped
    # The process "died" after b1 committed; a new writer is told what is stored.
    with run_db.event_writer("s1") as writer:
        assert writer.stored_batch_ids == {"b0", "b1"}
        assert writer.write_batch("b1", batch(1)) == 0
        assert writer.write_batch("b2", batch(2)) == 5
    assert [e["batch"] for e in run_db.get_events("s1")] == [0] * 5 + [1] * 5 + [2] * 5
    assert ledger(run_db) == [("b0", 0, 5), ("b1", 5, 5), ("b2", 10, 5)]


def test_write_events_with_a_batch_id_is_idempotent(run_db: DatabaseManager) -> None:
    assert run_db.write_events("s1", batch(0), batch_id="tick-0") == 5
    assert run_db.write_events("s1", batch(0), batch_id="tick-0") == 0
    assert run_db.write_events("s1", batch(1)) == 5
    assert run_db.write_events("s1", []) == 0
    assert ledger(run_db) == [("tick-0", 0, 5), ("auto:5", 5, 5)]


def test_the_ledger_accounts_for_every_event(run_db: DatabaseManager) -> None:
    with run_db.event_writer("s1", batch_size=7) as writer:
        for k in range(6):
            writer.extend(batch(k, 4))
        writer.write_batch("named", batch(99, 3))
    stored = run_db.table_counts()["simulation_events"]
    assert sum(n for _, _, n in ledger(run_db)) == stored == 27


@pytest.mark.parametrize("bad", ["", "auto:3", 7])
def test_batch_ids_are_checked(run_db: DatabaseManager, bad: object) -> None:
    with run_db.event_writer("s1") as writer, pytest.raises(ValueError, match="batch_id"):
        writer.write_batch(bad, batch(0))  # type: ignore[arg-type]


def test_a_version_1_database_is_migrated(db_path: Path) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
        db.save_simulation_run(make_run("old"))
        # What a version-1 database looks like: no ledger.
        db.conn.execute("DROP TABLE event_batches")
        db.conn.execute(f"UPDATE {META_TABLE} SET value = '1' WHERE key = 'schema_version'")
    with DatabaseManager(db_path) as db:
        db.setup()
        assert db.schema_version() == SCHEMA_VERSION
        assert db.validate_schema()
        assert db.get_simulation_run("old") is not None
        assert db.write_events("old", batch(0), batch_id="b") == 5


def test_a_newer_database_is_refused(db_path: Path) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
        db.conn.execute(
            f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'",
            [str(SCHEMA_VERSION + 1)],
        )
    with DatabaseManager(db_path) as db, pytest.raises(SchemaVersionError, match="cannot migrate"):
        db.setup()
