"""Shards recorded by separate processes, folded into one database by DuckDB."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from simcash_db import DatabaseManager, SchemaVersionError, WriteError
from simcash_db.cli import cli
from simcash_db.merge import _batches
from simcash_db.schema import META_TABLE

WORKER = Path(__file__).with_name("shard_worker.py")


def record_shards(directory: Path, count: int = 2, runs: int = 3) -> list[Path]:
    """``count`` worker processes, at the same time, each into its own shard."""
    shards = [directory / f"shard{i}.duckdb" for i in range(count)]
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), str(s), "farm", str(i * runs), str(runs)])
        for i, s in enumerate(shards)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0] * count
    return shards


def counts(db: DatabaseManager) -> dict[str, int]:
    return db.table_counts()


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return record_shards(tmp_path_factory.mktemp("shards"))


def test_shards_merge_into_one_database_once(shards: list[Path], tmp_path: Path) -> None:
    with DatabaseManager(tmp_path / "main.duckdb") as db:
        db.setup()
        results = [db.merge(s) for s in shards]
        assert [len(r.merged_runs) for r in results] == [3, 3]
        after_first = counts(db)
        runs = db.list_simulation_runs("farm")
        assert len(runs) == 6 and len({r.simulation_id for r in runs}) == 6
        expected_events = 0
        for shard in shards:
            with DatabaseManager(shard, read_only=True) as one:
                expected_events += one.table_counts()["simulation_events"]
                for run in one.list_simulation_runs():
                    assert db.get_events(run.simulation_id) == one.get_events(run.simulation_id)
        assert after_first["simulation_events"] == expected_events > 0
        assert db.validate_schema()
        # Merging again changes nothing.
        again = [db.merge(s) for s in shards]
        assert [len(r.skipped_runs) for r in again] == [3, 3]
        assert counts(db) == after_first


def test_a_run_with_other_content_is_refused_by_name(shards: list[Path], tmp_path: Path) -> None:
    with DatabaseManager(tmp_path / "main.duckdb") as db:
        db.setup()
        db.merge(shards[0])
        victim = db.list_simulation_runs("farm")[1].simulation_id
        db.conn.execute(
            "UPDATE simulation_runs SET total_cost = total_cost + 1 WHERE simulation_id = ?",
            [victim],
        )
        before = counts(db)
        with pytest.raises(WriteError, match=f"run '{victim}' is in both databases"):
            db.merge(shards[0])
        assert counts(db) == before


def test_a_shard_of_another_schema_version_is_refused(shards: list[Path], tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    old.write_bytes(shards[0].read_bytes())
    with DatabaseManager(old) as shard:
        shard.conn.execute(f"UPDATE {META_TABLE} SET value = '2' WHERE key = 'schema_version'")
    with DatabaseManager(tmp_path / "main.duckdb") as db:
        db.setup()
        with pytest.raises(SchemaVersionError, match="schema version 2"):
            db.merge(old)
        assert counts(db)["simulation_runs"] == 0


def test_the_merge_command(shards: list[Path], tmp_path: Path) -> None:
    target = tmp_path / "into.duckdb"
    result = CliRunner().invoke(cli, ["merge", *map(str, shards), "--into", str(target)])
    assert result.exit_code == 0, result.output
    assert "3 runs merged, 0 already there" in result.output
    with DatabaseManager(target, read_only=True) as db:
        assert len(db.list_simulation_runs()) == 6


MERGER = """
import sys
from simcash_db import DatabaseManager
with DatabaseManager(sys.argv[1]) as db:
    db.setup()
    print("ready", flush=True)
    for shard in sys.argv[3:]:
        db.merge(shard, batch_events=int(sys.argv[2]))
"""


def test_a_merge_killed_at_random_moments_keeps_whole_runs_and_completes(
    shards: list[Path], tmp_path: Path
) -> None:
    rng = random.Random(20261129)
    main = tmp_path / "main.duckdb"
    with DatabaseManager(shards[0], read_only=True) as one:
        per_run = {
            r.simulation_id: len(one.get_events(r.simulation_id))
            for r in one.list_simulation_runs()
        }
    with DatabaseManager(shards[1], read_only=True) as two:
        per_run |= {
            r.simulation_id: len(two.get_events(r.simulation_id))
            for r in two.list_simulation_runs()
        }
    for _ in range(4):
        # A transaction per run, or all of a shard's runs in one.
        batch = str(rng.choice([1, 1_000_000]))
        command = [sys.executable, "-c", MERGER, str(main), batch, *map(str, shards)]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        with DatabaseManager(main) as db:
            db.setup()
            for run in db.list_simulation_runs():
                assert len(db.get_events(run.simulation_id)) == per_run[run.simulation_id]
    with DatabaseManager(main) as db:
        for shard in shards:
            db.merge(shard)
        assert {r.simulation_id for r in db.list_simulation_runs()} == set(per_run)
        assert db.validate_schema()


def test_a_transaction_per_run_merges_the_same_rows(shards: list[Path], tmp_path: Path) -> None:
    dumps = []
    for batch in (1, 1_000_000):
        with DatabaseManager(tmp_path / f"main{batch}.duckdb") as db:
            db.setup()
            results = [db.merge(s, batch_events=batch) for s in shards]
            assert sum(len(r.merged_runs) for r in results) == 6
            tables = db.table_counts()
            dumps.append(
                {t: db.conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
            )
    assert dumps[0] == dumps[1]


@given(st.lists(st.integers(0, 50), max_size=30), st.integers(1, 100))
def test_runs_are_batched_whole_in_order_within_the_budget(sizes: list[int], budget: int) -> None:
    runs = [(f"run{i}", n) for i, n in enumerate(sizes)]
    batches = _batches(runs, budget)
    assert [run for batch in batches for run in batch] == [run for run, _ in runs]
    size = dict(runs)
    for batch in batches:
        assert batch and (len(batch) == 1 or sum(size[r] for r in batch) <= budget)
