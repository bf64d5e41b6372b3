"""What the commands that show stored runs and experiments share: money
and state as shown, and the checks for an id that does not exist."""

from __future__ import annotations

import click

from simcash_db.database import DatabaseManager
from simcash_db.models import ExperimentRecord, SimulationRunRecord
from simcash_db.repository import ExperimentRepository


def money(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def repo_of(db: DatabaseManager) -> ExperimentRepository:
    return ExperimentRepository(db)


def experiment_state(record: ExperimentRecord) -> str:
    # The command could open the file, so no other process is writing it:
    # an experiment without an end is one whose runner stopped.
    return "completed" if record.completed_at is not None else "interrupted"


def run_state(run: SimulationRunRecord) -> str:
    # Likewise, a run still marked running here is one that was cut short.
    status = run.status.value
    return "interrupted" if status == "running" else status


def require_run(db: DatabaseManager, simulation_id: str) -> None:
    if db.get_simulation_run(simulation_id) is None:
        raise click.ClickException(f"no simulation {simulation_id!r}")
