"""``recover``: a file that a kill inside a DuckDB checkpoint left unopenable,
mended; real damage from ../shared/fixtures (tests/fixtures/corrupt-after-checkpoint-kill)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crash_writer import SIM, batch_size
from factories import make_run
from simcash_db import (
    DamagedDatabaseError,
    DatabaseFileError,
    DatabaseInUseError,
    DatabaseManager,
    recover,
)
from simcash_db.recovery.file_format import BLOCKS_START, block_is_intact, read_headers

FIXTURE = Path(__file__).with_name("fixtures") / "corrupt-after-checkpoint-kill"
SMALL, LARGE = 2_000, 123_000  # the fixture's batch sizes (its README)


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """The fixture's file and WAL, unpacked as the kill left them."""
    path = tmp_path / "crash.duckdb"
    for name in ("crash.duckdb", "crash.duckdb.wal"):
        with gzip.open(FIXTURE / f"{name}.gz") as packed, (tmp_path / name).open("wb") as out:
            shutil.copyfileobj(packed, out)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_damaged_file_says_how_to_mend_it(damaged: Path) -> None:
    with pytest.raises(DamagedDatabaseError, match=r"simcash-db recover .*crash\.duckdb"):
        DatabaseManager(damaged)


def test_recover_gives_back_every_batch_whole(damaged: Path) -> None:
    report = recover(damaged)
    assert report.repair is not None and "torn metadata block" in report.repair
    assert report.kept is not None and report.kept.exists()
    assert report.rows["event_batches"] == 75 and report.rows["simulation_events"] == 2_328_000
    with DatabaseManager(damaged) as db:
        db.setup()
        assert db.validate_schema()
        ledger = db.conn.execute(
            "SELECT batch_id, first_seq, num_events FROM event_batches WHERE simulation_id = ?",
            [SIM],
        ).fetchall()
        for batch_id, first, count in ledger:
            assert count == batch_size(int(batch_id[1:]), SMALL, LARGE)
            stored = db.conn.execute(
                "SELECT count(*), min(event_seq), max(event_seq) FROM simulation_events "
                "WHERE simulation_id = ? AND tick = ?",
                [SIM, int(batch_id[1:])],
            ).fetchone()
            assert stored == (count, first, first + count - 1)
        # The run takes its next batch.
        with db.event_writer(SIM) as writer:
            assert writer.write_batch("after", [{"event_type": "Done", "tick": 0}]) == 1
    # The damaged file was kept as the kill left it.
    assert not read_headers(report.kept) or not all(
        block_is_intact(report.kept, h, h.meta_block_id) for h in read_headers(report.kept)
    )


def test_a_sound_file_is_left_as_it_is(db_path: Path) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
        db.save_simulation_run(make_run("ok", ticks_per_day=10))
        db.write_events("ok", [{"event_type": "Arrival", "tick": t} for t in range(100)])
    before = digest(db_path)
    report = recover(db_path)
    assert report.repair is None and report.kept is None
    assert report.rows["simulation_events"] == 100
    assert "nothing to recover" in report.summary()
    assert digest(db_path) == before


def test_damage_beyond_mending_leaves_the_file_as_it_was(damaged: Path) -> None:
    # Every metadata page of both checkpoints gone, not torn.
    with damaged.open("r+b") as file:
        file.seek(BLOCKS_START + 8)
        file.write(bytes(262_136))
    before = digest(damaged)
    with pytest.raises(DamagedDatabaseError, match="cannot be recovered; it is left as it was"):
        recover(damaged)
    assert digest(damaged) == before
    assert sorted(p.name for p in damaged.parent.iterdir()) == ["crash.duckdb", "crash.duckdb.wal"]


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(DatabaseFileError, match="not a DuckDB database file"):
        recover(path)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simcash_db", *args], capture_output=True, text=True, timeout=120
    )


def test_the_command_line_recovers_and_says_what_it_did(damaged: Path) -> None:
    done = cli("recover", str(damaged))
    assert done.returncode == 0, done.stderr
    assert "recovered from checkpoint" in done.stdout and "75 batches" in done.stdout
    again = cli("--db", str(damaged), "recover")
    assert again.returncode == 0 and "nothing to recover" in again.stdout


def test_the_command_line_fails_in_one_line(damaged: Path) -> None:
    with damaged.open("r+b") as file:
        file.seek(BLOCKS_START + 8)
        file.write(bytes(262_136))
    done = cli("recover", str(damaged))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "cannot be recovered" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_file_another_process_holds_is_refused_untouched(db_path: Path) -> None:
    with DatabaseManager(db_path) as db:
        db.setup()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys; c = duckdb.connect({str(db_path)!r}); print('held', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = digest(db_path)
        with pytest.raises(DatabaseInUseError):
            recover(db_path)
        assert digest(db_path) == before
    finally:
        holder.communicate("", timeout=30)
