"""A run's own row: saved, updated, read, listed, deleted."""

from __future__ import annotations

from collections.abc import Iterable

from simcash_db import records
from simcash_db.connection import transaction
from simcash_db.database.cursors import Connected, check_id
from simcash_db.deletion import delete_simulation
from simcash_db.errors import NotFoundError
from simcash_db.models import SimulationRunRecord


class RunRows(Connected):
    def save_simulation_run(self, run: SimulationRunRecord) -> None:
        """Insert a run, or update it in place (status, end time, totals)."""
        if not isinstance(run, SimulationRunRecord):
            raise TypeError(f"run must be a SimulationRunRecord, not {type(run).__name__}")
        with transaction(self.conn):
            records.upsert(self.conn, run)

    def update_simulation_run(self, run: SimulationRunRecord, fields: Iterable[str]) -> None:
        """Store ``fields`` of ``run`` (status, end time, totals: no key or
        foreign-key column) in its stored row, in one statement, as a
        recorder completing a run does; NotFoundError if it has no row."""
        if not isinstance(run, SimulationRunRecord):
            raise TypeError(f"run must be a SimulationRunRecord, not {type(run).__name__}")
        names = (fields,) if isinstance(fields, str) else tuple(fields)
        model = SimulationRunRecord
        unknown = sorted(set(names) - set(model.model_fields))
        if unknown:
            raise ValueError(f"update_simulation_run: no field {unknown[0]!r} in a simulation run")
        indexed = {*model.key_columns, *(c for fk in model.foreign_keys for c in fk.columns)}
        if indexed.intersection(names):
            raise ValueError(f"use save_simulation_run to change {sorted(indexed & set(names))}")
        if not records.update(self.conn, run, names):
            raise NotFoundError(f"no simulation run {run.simulation_id!r} to update")

    def get_simulation_run(self, simulation_id: str) -> SimulationRunRecord | None:
        check_id("simulation_id", simulation_id)
        found = records.select(self.conn, SimulationRunRecord, "simulation_id = ?", [simulation_id])
        return found[0] if found else None

    def require_simulation_run(self, simulation_id: str) -> SimulationRunRecord:
        run = self.get_simulation_run(simulation_id)
        if run is None:
            raise NotFoundError(f"no simulation run {simulation_id!r} (create its run row first)")
        return run

    def list_simulation_runs(self, experiment_id: str | None = None) -> list[SimulationRunRecord]:
        """Runs, oldest first; only those of ``experiment_id`` when given."""
        where, params = (
            ("TRUE", []) if experiment_id is None else ("experiment_id = ?", [experiment_id])
        )
        return records.select(
            self.conn, SimulationRunRecord, where, params, order_by="start_time, simulation_id"
        )

    def delete_simulation(self, simulation_id: str) -> None:
        """Delete one run and everything stored for it (see ``simcash_db.deletion``)."""
        delete_simulation(self.conn, check_id("simulation_id", simulation_id))
