"""Hostile strings are data, never SQL; wrong-shaped ids are refused before any write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from factories import make_experiment, make_linked_run, make_run
from simcash_db import DatabaseManager, EncodeError, ExperimentRecorder, ExperimentRepository
from simcash_db.cli import cli
from simcash_db.models import SimulationRunRecord

HOSTILE = [
    "'; DROP TABLE experiments; --",
    'quote " double',
    "it's",
    "back\\slash",
    "nul\x00byte",
    "%_ like wildcards",
    "ünïcødé ✓",
    "line\nbreak",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_ids_and_filters_are_stored_and_matched_literally(
    db: DatabaseManager, text: str
) -> None:
    repo = ExperimentRepository(db)
    repo.save_experiment(make_experiment(text, experiment_name=text, config={text: text}))
    recorder = ExperimentRecorder(db, experiment_id=text)
    run = {
        "config_name": text,
        "config_hash": text,
        "start_time": "2026-01-01T00:00:00",
        "ticks_per_day": 10,
        "num_days": 1,
        "rng_seed": 1,
        "status": "completed",
    }
    events = [
        {"event_type": text, "tick": 1, "agent_id": text, "tx_id": text, text: text},
        {"event_type": "Other", "tick": 2, "agent_id": "plain", "tx_id": "plain"},
    ]
    simulation_id = recorder.record_simulation(0, "evaluation", run=run, events=events)
    assert simulation_id is not None and simulation_id.startswith(text)
    assert db.get_events(simulation_id, agent_id=text) == [events[0]]
    assert db.get_events(simulation_id, tx_id=text, event_type=text) == [events[0]]
    assert db.get_events(simulation_id, agent_id="%") == []
    loaded = repo.load_experiment(text)
    assert loaded is not None and loaded.config == {text: text}
    assert [e.experiment_id for e in repo.list_experiments()] == [text]
    assert repo.delete_experiment(text) is True
    assert db.validate_schema()  # every table is still there
    assert db.table_counts()["experiments"] == 0


def test_hostile_filters_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "h.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        db.save_simulation_run(make_run("s"))
        db.write_events("s", [{"event_type": "X", "tick": 0, "agent_id": HOSTILE[0]}])
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "events", "s", "--agent", HOSTILE[0], "--json"])
    assert result.exit_code == 0, result.output
    assert HOSTILE[0] in result.output
    result = runner.invoke(cli, ["--db", str(path), "events", HOSTILE[0]])
    assert result.exit_code == 1
    assert "no simulation" in result.output
    with DatabaseManager(path) as db:
        assert db.validate_schema()


class TestWrongShapedIds:
    def test_a_linked_run_must_carry_its_structured_id(self) -> None:
        with pytest.raises(ValidationError, match="expected 'exp-1-iter2-evaluation'"):
            make_run("whatever", experiment_id="exp-1", iteration=2, run_purpose="evaluation")

    def test_a_bootstrap_run_needs_its_sample(self) -> None:
        with pytest.raises(ValidationError, match="sample_index"):
            make_run(
                "exp-1-iter0-bootstrap", experiment_id="exp-1", iteration=0, run_purpose="bootstrap"
            )
        assert make_linked_run("exp-1", 0, "bootstrap", 4).simulation_id == (
            "exp-1-iter0-bootstrap-sample4"
        )

    def test_standalone_runs_have_no_experiment(self) -> None:
        with pytest.raises(ValidationError, match="standalone run has no experiment_id"):
            make_run("s", experiment_id="exp-1")
        with pytest.raises(ValidationError, match="experiment_id and iteration are required"):
            make_run("s", run_purpose="final")

    def test_every_field_error_is_listed_before_anything_is_written(
        self, db: DatabaseManager
    ) -> None:
        with pytest.raises(ValidationError) as err:
            make_run("s", total_cost=-5, ticks_per_day=0, status="lost", config_json={1, 2})
        assert {e["loc"][0] for e in err.value.errors()} == {
            "total_cost",
            "ticks_per_day",
            "status",
            "config_json",
        }
        assert db.table_counts()["simulation_runs"] == 0


def test_a_nul_in_the_name_of_a_bad_field_is_reported_not_fatal(db: DatabaseManager) -> None:
    """The failure crosses DuckDB as C text mid-append; a NUL there aborted the process."""
    db.save_simulation_run(make_run("s1"))
    events = [{"event_type": "X", "tick": t} for t in range(300)]
    events[250]["bad\x00key"] = (1, 2)
    with pytest.raises(EncodeError) as err:
        db.write_events("s1", events, batch_size=100)
    assert (err.value.row, err.value.field) == (250, "bad\x00key")
    assert db.table_counts()["simulation_events"] == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_run_and_batch_ids_through_the_streaming_writer(
    db: DatabaseManager, text: str
) -> None:
    db.save_simulation_run(
        SimulationRunRecord(simulation_id=text, config_name="c", config_hash="h",
                            start_time=datetime(2026, 1, 1), ticks_per_day=10, num_days=1,
                            rng_seed=1, status="running")
    )  # fmt: skip
    events = [{"event_type": "X", "tick": t, "agent_id": text} for t in range(6)]
    with db.event_writer(text, batch_size=2) as writer:
        writer.extend(events[:4])  # unnamed batches, committed in one statement list
        writer.write_batch(text, events[4:])  # a named one
    assert db.get_events(text) == events
    ledger = db.conn.execute(
        "SELECT batch_id, first_seq, num_events FROM event_batches WHERE simulation_id = ? "
        "ORDER BY first_seq",
        [text],
    ).fetchall()
    assert ledger == [("auto:0", 0, 2), ("auto:2", 2, 2), (text, 4, 2)]
