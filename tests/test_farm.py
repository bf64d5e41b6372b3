"""An experiment whose bootstrap samples run on worker processes, each into a
shard, ends as the same database as a single process (INV-2)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from simcash_db import DatabaseManager, ExperimentRecorder, NotFoundError
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


def record(path: Path, executor: Executor | None) -> None:
    with DatabaseManager(path) as db:
        db.setup()
        run_synthetic_experiment(ExperimentRecorder(db), "farm", 7, SHAPE, executor=executor)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Any, ...]]]:
    path = tmp_path_factory.mktemp("single") / "one.duckdb"
    record(path, None)
    return dump(path)


def assert_same(single: dict[str, list[tuple[Any, ...]]], path: Path) -> None:
    farmed = dump(path)
    assert single["simulation_runs"] and single["policy_evaluations"]
    assert len([r for r in farmed["simulation_runs"] if "bootstrap" in r[0]]) == 9
    for table in single:
        assert farmed[table] == single[table], table
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # shards gone


def test_a_process_pool_of_two_workers_gives_the_same_database(
    single: dict[str, list[tuple[Any, ...]]], tmp_path: Path
) -> None:
    # Spawned, not forked: this process holds DuckDB's threads and locks.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as executor:
        record(tmp_path / "two.duckdb", executor)
    assert_same(single, tmp_path / "two.duckdb")


def test_a_dask_cluster_of_two_workers_gives_the_same_database(
    single: dict[str, list[tuple[Any, ...]]], tmp_path: Path
) -> None:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        record(tmp_path / "dask.duckdb", client.get_executor())
        workers = {w["id"] for w in client.run(lambda: {"id": __import__("os").getpid()}).values()}
    assert len(workers) == 2
    assert_same(single, tmp_path / "dask.duckdb")


def test_shards_of_an_experiment_record_and_merge_back(tmp_path: Path) -> None:
    import pickle

    from simcash_db.farm import merge_shards, shard_folder, shards_for
    from simcash_db.workload.orchestrator import SyntheticOrchestrator

    with DatabaseManager(tmp_path / "main.duckdb") as db:
        db.setup()
        ExperimentRecorder(db).start_experiment("exp", "farm", "policy_search", {}, 1)
        with shard_folder(db) as folder:
            shards = [pickle.loads(pickle.dumps(s)) for s in shards_for(db, "exp", folder, 2)]
            for sample, shard in enumerate(shards):
                config = {"ticks_per_day": 5, "num_days": 1, "rng_seed": sample, "banks": 3}
                with shard.recorder() as recorder:
                    recorder.record_run(0, "evaluation" if sample else "initial", None,
                                        SyntheticOrchestrator.new(config), config)  # fmt: skip
            results = merge_shards(db, shards)
            assert [len(r.merged_runs) for r in results] == [1, 1]
            assert not any(Path(s.path).exists() for s in shards)
        runs = {r.simulation_id for r in db.list_simulation_runs("exp")}
        assert runs == {"exp-iter0-initial", "exp-iter0-evaluation"}
        assert db.validate_schema()
        with pytest.raises(NotFoundError, match="no experiment 'ghost'"):
            shards_for(db, "ghost", tmp_path, 1)
