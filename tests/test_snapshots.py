"""Checkpoints: what a caller that has only the run's id and the state can do."""

from __future__ import annotations

import json

import pytest

from factories import make_run
from simcash_db import DatabaseManager, NotFoundError
from simcash_db.snapshots import SnapshotRepository

STATE = '{"current_tick": 7, "agents": [{"id": "A"}], "transactions": []}'


def test_a_checkpoint_takes_the_runs_stored_config(db: DatabaseManager) -> None:
    db.save_simulation_run(make_run("r", config_json={"seed": 3, "banks": 2}))
    snapshots = SnapshotRepository(db)
    checkpoint = snapshots.save_checkpoint("r", STATE)
    row = db.conn.execute(
        "SELECT config_json, checkpoint_tick, num_agents FROM simulation_checkpoints "
        "WHERE checkpoint_id = ?",
        [checkpoint],
    ).fetchall()[0]
    assert (json.loads(row[0]), row[1], row[2]) == ({"seed": 3, "banks": 2}, 7, 1)
    assert snapshots.load_checkpoint(checkpoint) == STATE
    # The state as the object it holds, too.
    second = snapshots.save_checkpoint("r", json.loads(STATE), {"seed": 4})
    assert json.loads(snapshots.load_checkpoint(second)) == json.loads(STATE)


def test_a_checkpoint_of_no_run_or_of_bad_state_names_what_is_wrong(db: DatabaseManager) -> None:
    snapshots = SnapshotRepository(db)
    with pytest.raises(NotFoundError, match="no simulation run 'ghost'"):
        snapshots.save_checkpoint("ghost", STATE)
    db.save_simulation_run(make_run("bare"))
    with pytest.raises(ValueError, match="'bare' has no config_json stored; pass config"):
        snapshots.save_checkpoint("bare", STATE)
    with pytest.raises(ValueError, match="state is not valid JSON"):
        snapshots.save_checkpoint("bare", "{not json", {})
    with pytest.raises(ValueError, match="state must be JSON text or a dict, not int"):
        snapshots.save_checkpoint("bare", 42, {})  # type: ignore[arg-type]
    assert db.table_counts()["simulation_checkpoints"] == 0
