"""An experiment's bootstrap samples on a farm of workers: each sample is
recorded by a worker into a shard of its own (``simcash_db.farm``),
described by a picklable ``ShardTask``, so any ``concurrent.futures.Executor``
can run them; the coordinator then merges the shards in order. Same seed,
same database as a single process (INV-2).
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.experiments import ExperimentPersistencePolicy
from simcash_db.farm import Shard, merge_shards
from simcash_db.workload.orchestrator import SyntheticOrchestrator


@dataclass(frozen=True)
class ShardTask:
    """One simulation for a worker: its shard, and what to run. Plain data: it pickles."""

    shard: Shard
    policy: ExperimentPersistencePolicy
    iteration: int
    purpose: str
    sample: int | None
    config: dict[str, Any]
    times: tuple[datetime, datetime]  # the run's start and end, from the coordinator's clock


def record_in_shard(task: ShardTask) -> dict[str, int]:
    """Run and record ``task`` into its shard; returns each bank's cost (cents).
    Runs in a worker."""
    times = iter(task.times)
    with task.shard.recorder(task.policy) as recorder:
        orchestrator = SyntheticOrchestrator.new(task.config)
        recorder.record_run(
            task.iteration, task.purpose, task.sample, orchestrator, task.config,
            clock=lambda: next(times), config_name="synthetic-rtgs",
        )  # fmt: skip
    return {name: sum(bank.costs.values()) for name, bank in orchestrator.state.banks.items()}


def run_on_farm(
    executor: Executor, db: DatabaseManager, tasks: list[ShardTask]
) -> list[dict[str, int]]:
    """Run ``tasks`` on ``executor`` and merge their shards into ``db`` in
    the tasks' order, each as soon as it and those before it are done (the
    merges overlap the tasks still running); returns each task's costs per bank."""
    costs = []
    for task, cost in zip(tasks, executor.map(record_in_shard, tasks), strict=True):
        merge_shards(db, [task.shard])
        costs.append(cost)
    return costs
