"""Faults other than kills: a second writer, a full disk, a damaged WAL."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from factories import make_run
from simcash_db import DamagedWalError, DatabaseManager, WriteError

TESTS = Path(__file__).parent


def run_child(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("read_only", [False, True])
def test_a_second_process_gets_a_clear_in_use_error(db_path: Path, read_only: bool) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
        result = run_child(f"""
            from simcash_db import DatabaseManager, DatabaseInUseError
            try:
                DatabaseManager({str(db_path)!r}, read_only={read_only})
            except DatabaseInUseError as exc:
                print("in use:", exc)
        """)
    assert result.stdout.startswith("in use: database"), result.stdout + result.stderr
    assert "another process" in result.stdout
    assert f"PID {os.getpid()}" in result.stdout  # DuckDB's own words, kept whole
    assert "Traceback" not in result.stderr


def test_read_only_inspection_while_nobody_writes(db_path: Path) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
        db.save_simulation_run(make_run("s1"))
    with (
        DatabaseManager(db_path, read_only=True) as first,
        DatabaseManager(db_path, read_only=True) as second,
    ):
        first.setup()
        assert first.get_simulation_run("s1") is not None
        assert second.table_counts()["simulation_runs"] == 1


def test_a_full_disk_fails_the_batch_cleanly_and_reopening_works(db_path: Path) -> None:
    result = run_child(f"""
        import os, resource
        from factories import make_run
        from simcash_db import DatabaseManager, WriteError
        db = DatabaseManager({str(db_path)!r}); db.setup(); db.save_simulation_run(make_run("s"))
        db.write_events("s", [{{"event_type": "X", "tick": 0, "i": i}} for i in range(1000)])
        db.conn.execute("CHECKPOINT")
        limit = os.path.getsize({str(db_path)!r}) + 300_000
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            for k in range(1, 100):
                db.write_events("s", [{{"event_type": "X", "tick": k, "pad": "x" * 200}}
                                      for _ in range(5000)])
                print("committed", k, flush=True)
        except WriteError as exc:
            print("error:", exc, flush=True)
    """)
    lines = result.stdout.splitlines()
    assert lines and lines[-1].startswith("error:"), result.stdout + result.stderr
    assert "open the database again" in lines[-1]
    assert "nothing of it is stored" in lines[-1]
    committed = sum(line.startswith("committed") for line in lines)
    with DatabaseManager(db_path) as db:
        db.setup()
        ticks = db.conn.execute(
            "SELECT tick, count(*) FROM simulation_events GROUP BY tick ORDER BY tick"
        ).fetchall()
        assert ticks == [(0, 1000)] + [(k, 5000) for k in range(1, committed + 1)]
        assert db.write_events("s", [{"event_type": "X", "tick": 500}]) == 1


@pytest.fixture(scope="module")
def crashed_wal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose last 20 batches live only in its WAL."""
    path = tmp_path_factory.mktemp("wal") / "src.duckdb"
    subprocess.run(
        [sys.executable, str(TESTS / "wal_writer.py"), str(path), "20"],
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        check=False,
        timeout=120,
    )
    assert os.path.getsize(f"{path}.wal") > 10_000
    return path


def damaged_copy(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    shutil.copy(f"{source}.wal", f"{target}.wal")
    return target


def stored_batches(db: DatabaseManager) -> list[int]:
    per_tick = db.conn.execute(
        "SELECT tick, count(*) FROM simulation_events GROUP BY tick ORDER BY tick"
    ).fetchall()
    assert all(count == 50 for _, count in per_tick)  # whole batches only
    ledger = db.conn.execute("SELECT count(*) FROM event_batches").fetchall()[0][0]
    assert ledger == len(per_tick)
    return [tick for tick, _ in per_tick]


def test_a_truncated_wal_keeps_every_commit_before_the_cut(
    crashed_wal: Path, tmp_path: Path
) -> None:
    size = os.path.getsize(f"{crashed_wal}.wal")
    rng = random.Random(7)
    kept = []
    for n, cut in enumerate([*sorted(rng.sample(range(size), 6)), size]):
        path = damaged_copy(crashed_wal, tmp_path / f"cut{n}.duckdb")
        with open(f"{path}.wal", "r+b") as wal:
            wal.truncate(cut)
        with DatabaseManager(path) as db:
            db.setup()
            batches = stored_batches(db)
        assert batches == list(range(len(batches)))  # a prefix of what was written
        kept.append(len(batches))
    assert kept == sorted(kept)
    assert kept[-1] == 20


def test_a_flipped_byte_in_the_wal_is_a_clear_error_or_a_clean_prefix(
    crashed_wal: Path, tmp_path: Path
) -> None:
    size = os.path.getsize(f"{crashed_wal}.wal")
    rng = random.Random(11)
    errors = 0
    for n, position in enumerate(rng.sample(range(size // 4, size - 64), 8)):
        path = damaged_copy(crashed_wal, tmp_path / f"flip{n}.duckdb")
        with open(f"{path}.wal", "r+b") as wal:
            wal.seek(position)
            byte = wal.read(1)
            wal.seek(position)
            wal.write(bytes([byte[0] ^ 0xFF]))
        try:
            with DatabaseManager(path) as db:
                db.setup()
                batches = stored_batches(db)
        except DamagedWalError as exc:
            errors += 1
            assert "write-ahead log" in str(exc) and "not changed it" in str(exc)
            assert os.path.exists(f"{path}.wal")  # never deleted by simcash-db
        else:
            # DuckDB reads some damage as a torn tail and replays up to it.
            assert batches == list(range(len(batches)))
    assert errors >= 1


def test_write_errors_are_write_errors(db_path: Path) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
        db.save_simulation_run(make_run("s"))
        db.conn.execute("DROP TABLE agent_state_registers")  # sabotage: the next write fails
        register = {
            "event_type": "StateRegisterSet",
            "tick": 1,
            "agent_id": "A",
            "register_key": "k",
            "new_value": 1.0,
        }
        with pytest.raises(WriteError, match="nothing of it is stored"):
            db.write_events("s", [{"event_type": "X", "tick": 0}, register])
        assert db.table_counts()["simulation_events"] == 0
