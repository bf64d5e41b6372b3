"""Factories of valid records for the tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simcash_db import ExperimentIterationRecord, ExperimentRecord, SimulationRunRecord

BASE_TIME = datetime(2026, 1, 1, 12, 0, 0)


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


def make_linked_run(
    experiment_id: str,
    iteration: int = 0,
    purpose: str = "evaluation",
    sample_index: int | None = None,
    **overrides: Any,
) -> SimulationRunRecord:
    """A run of an experiment, with its structured id."""
    from simcash_db import generate_simulation_id

    simulation_id = generate_simulation_id(experiment_id, iteration, purpose, sample_index)
    return make_run(
        simulation_id,
        experiment_id=experiment_id,
        iteration=iteration,
        run_purpose=purpose,
        sample_index=sample_index,
        **overrides,
    )
