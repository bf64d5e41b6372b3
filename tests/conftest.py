from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from simcash_db import (
    DatabaseManager,
    ExperimentIterationRecord,
    ExperimentRecord,
    ExperimentRepository,
    SimulationRunRecord,
)

settings.register_profile(
    "fast", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "slow", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))

BASE_TIME = datetime(2026, 1, 1, 12, 0, 0)


@pytest.fixture
def db() -> Iterator[DatabaseManager]:
    with DatabaseManager(":memory:") as manager:
        manager.setup()
        yield manager


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def repo(db: DatabaseManager) -> ExperimentRepository:
    return ExperimentRepository(db)


def make_experiment(experiment_id: str = "exp-1", **overrides: Any) -> ExperimentRecord:
    fields: dict[str, Any] = {
        "experiment_id": experiment_id,
        "experiment_name": "castro",
        "experiment_type": "policy_search",
        "config": {"agents": ["A", "B"], "iterations": 3},
        "master_seed": 42,
        "created_at": BASE_TIME,
    }
    fields.update(overrides)
    return ExperimentRecord(**fields)


def make_run(simulation_id: str = "sim-1", **overrides: Any) -> SimulationRunRecord:
    fields: dict[str, Any] = {
        "simulation_id": simulation_id,
        "config_name": "scenario.yaml",
        "config_hash": "abc123",
        "start_time": BASE_TIME,
        "ticks_per_day": 100,
        "num_days": 2,
        "rng_seed": 7,
        "status": "running",
    }
    fields.update(overrides)
    return SimulationRunRecord(**fields)


def later(minutes: int) -> datetime:
    return BASE_TIME + timedelta(minutes=minutes)


def iteration(
    n: int, evaluation: str | None = None, experiment_id: str = "exp-1"
) -> ExperimentIterationRecord:
    return ExperimentIterationRecord(
        experiment_id=experiment_id,
        iteration=n,
        costs_per_agent={"A": 1000 + n, "B": 2000},
        accepted_changes={"A": n % 2 == 0},
        policies={"A": {"tree": "release_if_liquid"}},
        timestamp=f"2026-01-01T12:0{n}:00",
        evaluation_simulation_id=evaluation,
    )
