"""An experiment whose bootstrap samples run on worker processes, each into a
shard, ends as the same database as a single process (INV-2)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.models import ALL_MODELS
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

SHAPE = ExperimentShape(iterations=3, bootstrap_samples=3, banks=4, ticks_per_day=10, days=2)


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with DatabaseManager(path, read_only=True) as db:
        return {
            m.table_name: db.conn.execute(
                # created_at is the wall clock of start_experiment, in both.
                f"SELECT * EXCLUDE (created_at, completed_at) FROM {m.table_name} ORDER BY ALL"
                if m.table_name == "experiments"
                else f"SELECT * FROM {m.table_name} ORDER BY ALL"
            ).fetchall()
            for m in ALL_MODELS
        }


def record(path: Path, workers: int) -> None:
    with DatabaseManager(path) as db:
        db.setup()
        recorder = ExperimentRecorder(db)
        if workers:
            # Spawned, not forked: this process holds DuckDB's threads and locks.
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=spawn) as executor:
                run_synthetic_experiment(recorder, "farm", 7, SHAPE, executor=executor)
        else:
            run_synthetic_experiment(recorder, "farm", 7, SHAPE)


def test_a_farm_of_two_workers_gives_the_same_database(tmp_path: Path) -> None:
    record(tmp_path / "one.duckdb", 0)
    record(tmp_path / "two.duckdb", 2)
    single, farmed = dump(tmp_path / "one.duckdb"), dump(tmp_path / "two.duckdb")
    assert single["simulation_runs"] and single["policy_evaluations"]
    assert len([r for r in farmed["simulation_runs"] if "bootstrap" in r[0]]) == 9
    for table in single:
        assert farmed[table] == single[table], table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.duckdb", "two.duckdb"]  # shards gone
