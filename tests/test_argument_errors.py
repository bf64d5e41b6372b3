"""Values a reasonable caller might pass by mistake: each refused by an error
that names the argument, raised before anything is written (not a
TypeError or a DuckDB error from inside the library)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from factories import make_run
from simcash_db import DatabaseManager, ExperimentRecorder, ExperimentRepository, record_run
from simcash_db.models import SimulationRunRecord

EVENT = {"event_type": "Arrival", "tick": 0, "tx_id": "t"}

CALLS: list[tuple[str, Callable[[DatabaseManager], Any], type[Exception], str]] = [
    ("one event, not a list", lambda db: db.write_events("r", EVENT), TypeError,
     r"events must be an iterable of dicts; for one, pass \[event\]"),
    ("no events", lambda db: db.write_events("r", None), TypeError,
     "events must be an iterable of dicts, not NoneType"),
    ("an int run id", lambda db: db.write_events(5, [EVENT]), TypeError,
     r"simulation_id must be a str, not int \(5\)"),
    ("a None run id", lambda db: db.get_simulation_run(None), TypeError,
     "simulation_id must be a str, not NoneType"),
    ("an empty run id", lambda db: db.get_events(""), ValueError,
     "simulation_id must not be empty"),
    ("batch size 0", lambda db: db.write_events("r", [EVENT], batch_size=0), ValueError,
     "batch_size must be at least 1"),
    ("one transaction, not a list", lambda db: db.write_transactions("r", {"tx_id": "t"}),
     TypeError, r"for one, pass \[transaction\]"),
    ("an unknown run field", lambda db: db.update_simulation_run(
        db.require_simulation_run("r"), ["colour"]), ValueError, "no field 'colour'"),
    ("a dict as the run", lambda db: db.save_simulation_run({"simulation_id": "r"}),
     TypeError, "run must be a SimulationRunRecord, not dict"),
    ("a config without ticks_per_day", lambda db: record_run(
        db, object(), {"num_days": 1}, simulation_id="x"), ValueError,  # type: ignore[arg-type]
     r"config\['ticks_per_day'\] must be an int of at least 1; found nothing"),
    ("a float num_days", lambda db: record_run(
        db, object(), {"ticks_per_day": 10, "num_days": 1.5}, simulation_id="x"),  # type: ignore[arg-type]
     ValueError, r"config\['num_days'\] must be an int of at least 1; found 1.5"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [(call, error, message) for _, call, error, message in CALLS],
    ids=[label for label, *_ in CALLS],
)
def test_a_mistaken_argument_is_named(
    db: DatabaseManager,
    call: Callable[[DatabaseManager], Any],
    error: type[Exception],
    message: str,
) -> None:
    db.save_simulation_run(make_run("r"))
    before = db.table_counts()
    with pytest.raises(error, match=message):
        call(db)
    assert db.table_counts() == before


def test_one_field_name_given_as_a_str_updates_that_field(db: DatabaseManager) -> None:
    run = make_run("r")
    db.save_simulation_run(run)
    db.update_simulation_run(run.model_copy(update={"status": "completed"}), "status")
    stored = db.require_simulation_run("r")
    assert isinstance(stored, SimulationRunRecord) and stored.status == "completed"


def test_an_iteration_without_costs_is_refused_by_name(db: DatabaseManager) -> None:
    recorder = ExperimentRecorder(db)
    recorder.start_experiment("e", "n", "policy_search", {}, master_seed=1)
    with pytest.raises(TypeError, match="costs_per_agent must be a dict"):
        recorder.record_iteration(0, None, {}, {})  # type: ignore[arg-type]
    assert ExperimentRepository(db).get_iterations("e") == []
