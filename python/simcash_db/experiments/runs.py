"""An experiment's simulation runs: the fields that link a run to its experiment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.deletion import clear_simulation_rows
from simcash_db.models import SimulationRunPurpose, SimulationRunRecord


def run_links(
    simulation_id: str,
    experiment_id: str,
    iteration: int,
    purpose: SimulationRunPurpose | str,
    sample_index: int | None,
) -> dict[str, Any]:
    """The run row's fields that say which experiment's simulation it is."""
    return {
        "simulation_id": simulation_id,
        "experiment_id": experiment_id,
        "iteration": iteration,
        "sample_index": sample_index,
        "run_purpose": SimulationRunPurpose(purpose),
    }


def linked_run_record(
    run: SimulationRunRecord | Mapping[str, Any], links: dict[str, Any]
) -> SimulationRunRecord:
    """``run``'s fields with ``links`` set; a link field ``run`` gives
    otherwise (but a standalone purpose) is a ValueError naming it."""
    fields = dict(run.model_dump() if isinstance(run, SimulationRunRecord) else run)
    for name, link in links.items():
        given = fields.get(name)
        if (
            given is not None
            and given != link
            and not (name == "run_purpose" and given == SimulationRunPurpose.STANDALONE)
        ):
            raise ValueError(f"run.{name} is {given!r} but this simulation's is {link!r}")
    fields.update(links)
    return SimulationRunRecord.model_validate(fields)


def remove_unlinked_run(db: DatabaseManager, simulation_id: str) -> None:
    """Remove what is stored of a run whose recording failed, and its row
    unless an iteration names it as its evaluation."""
    clear_simulation_rows(db.conn, simulation_id)
    db.conn.execute(
        "DELETE FROM simulation_runs WHERE simulation_id = ? AND simulation_id NOT IN "
        "(SELECT evaluation_simulation_id FROM experiment_iterations "
        "WHERE evaluation_simulation_id IS NOT NULL)",
        [simulation_id],
    )


def clear_earlier_recording(db: DatabaseManager, simulation_id: str) -> None:
    """Clear what an earlier recording of the run stored (its row stays, to be updated)."""
    if db.get_simulation_run(simulation_id) is not None:
        clear_simulation_rows(db.conn, simulation_id)


def store_simulation(
    db: DatabaseManager,
    simulation_id: str,
    events: Iterable[Mapping[str, Any]] | None,
    transactions: Iterable[Mapping[str, Any]] | None,
    tables: Mapping[str, Iterable[Mapping[str, Any]]] | None,
) -> None:
    """Write what is given of a run whose row is stored."""
    if events is not None:
        db.write_events(simulation_id, events)
    if transactions is not None:
        db.write_transactions(simulation_id, transactions)
    for table, rows in (tables or {}).items():
        db.write_rows(table, rows, simulation_id=simulation_id)
