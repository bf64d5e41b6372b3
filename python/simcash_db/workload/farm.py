"""An experiment's bootstrap samples on a farm of workers: each sample is
recorded by a worker process into a shard of its own (a complete simcash-db
database), described by a picklable ``ShardTask``, so any
``concurrent.futures.Executor`` can run them; the coordinator then merges the
shards in order (``DatabaseManager.merge``). Same seed, same database as a
single process (INV-2).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.experiments import ExperimentPersistencePolicy, ExperimentRecorder
from simcash_db.models import ExperimentRecord
from simcash_db.repository import ExperimentRepository
from simcash_db.workload.orchestrator import SyntheticOrchestrator


@dataclass(frozen=True)
class ShardTask:
    """One simulation for a worker: where its shard goes, the experiment row
    the run references, and what to run. Plain data: it pickles."""

    shard: str
    experiment: ExperimentRecord
    policy: ExperimentPersistencePolicy
    iteration: int
    purpose: str
    sample: int | None
    config: dict[str, Any]
    times: tuple[datetime, datetime]  # the run's start and end, from the coordinator's clock


def record_in_shard(task: ShardTask) -> dict[str, int]:
    """Run and record ``task`` into its shard; returns each bank's cost (cents).
    Runs in a worker process."""
    times = iter(task.times)
    with DatabaseManager(task.shard) as db:
        db.setup()
        repo = ExperimentRepository(db)
        if repo.load_experiment(task.experiment.experiment_id) is None:
            repo.save_experiment(task.experiment)
        recorder = ExperimentRecorder(db, task.experiment.experiment_id, task.policy)
        orchestrator = SyntheticOrchestrator.new(task.config)
        recorder.record_run(
            task.iteration, task.purpose, task.sample, orchestrator, task.config,
            clock=lambda: next(times), config_name="synthetic-rtgs",
        )  # fmt: skip
    return {name: sum(bank.costs.values()) for name, bank in orchestrator.state.banks.items()}


@contextmanager
def shard_folder(db: DatabaseManager) -> Iterator[Path]:
    """A folder for the shards: beside the database file (a shared directory
    is what workers on several machines need), removed at the end."""
    beside = Path(db.db_path).parent if db.db_path != ":memory:" else None
    folder = Path(tempfile.mkdtemp(prefix=".simcash-shards-", dir=beside))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_on_farm(
    executor: Executor, db: DatabaseManager, tasks: list[ShardTask]
) -> list[dict[str, int]]:
    """Run ``tasks`` on ``executor``, then merge their shards into ``db`` in
    the tasks' order; returns each task's costs per bank."""
    costs = list(executor.map(record_in_shard, tasks))
    for task in tasks:
        db.merge(task.shard)
        Path(task.shard).unlink(missing_ok=True)
    return costs
