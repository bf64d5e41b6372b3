"""ExperimentRecorder and the persistence policy, end to end."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from simcash_db import (
    DatabaseManager,
    EncodeError,
    ExperimentPersistencePolicy,
    ExperimentRecorder,
    ExperimentRepository,
    SimulationPersistenceLevel,
    WriteError,
)
from simcash_db.experiments import EXPERIMENT_PURPOSES

Level = SimulationPersistenceLevel
RUN: dict[str, Any] = {
    "config_name": "scenario.yaml",
    "config_hash": "h1",
    "start_time": "2026-01-01T00:00:00",
    "ticks_per_day": 10,
    "num_days": 2,
    "rng_seed": 11,
    "status": "completed",
    "total_cost": 500,
}
EVENTS = [{"event_type": "Arrival", "tick": t, "tx_id": f"t{t}", "amount": 100} for t in range(5)]
TXS = [
    {
        "tx_id": "t0",
        "sender_id": "A",
        "receiver_id": "B",
        "amount": 100,
        "priority": 1,
        "is_divisible": False,
        "arrival_tick": 0,
        "arrival_day": 0,
        "deadline_tick": 5,
        "status": "settled",
        "settlement_tick": 1,
    },
]
TABLES = {
    "tick_queue_snapshots": [
        {"agent_id": "A", "tick": 0, "queue_type": "q1", "position": 0, "tx_id": "t0"}
    ]
}


def counts(db: DatabaseManager, simulation_id: str) -> tuple[int, int, int, int]:
    query = "SELECT count(*) FROM {} WHERE simulation_id = ?"
    return tuple(  # type: ignore[return-value]
        db.conn.execute(query.format(t), [simulation_id]).fetchall()[0][0]
        for t in ("simulation_runs", "simulation_events", "transactions", "tick_queue_snapshots")
    )


@pytest.fixture
def recorder(db: DatabaseManager) -> ExperimentRecorder:
    recorder = ExperimentRecorder(db)
    recorder.start_experiment("exp-a", "castro", "policy_search", {"k": 1}, master_seed=99)
    return recorder


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (Level.NONE, None),
        (Level.SUMMARY, (1, 0, 0, 0)),
        (Level.EVENTS, (1, 5, 0, 0)),
        (Level.FULL, (1, 5, 1, 1)),
    ],
)
@pytest.mark.parametrize("purpose", EXPERIMENT_PURPOSES)
def test_each_level_stores_what_it_says_for_every_purpose(
    db: DatabaseManager, purpose: str, level: Level, expected: tuple[int, ...] | None
) -> None:
    if purpose == "final" and level == Level.NONE:
        with pytest.raises(ValidationError, match="always stored"):
            ExperimentPersistencePolicy(final=level)
        return
    recorder = ExperimentRecorder(db, policy=ExperimentPersistencePolicy(**{purpose: level}))
    recorder.start_experiment("exp-p", "n", "t", {}, 1)
    sample = 0 if purpose == "bootstrap" else None
    simulation_id = recorder.record_simulation(
        2, purpose, sample, run=RUN, events=EVENTS, transactions=TXS, tables=TABLES
    )
    if expected is None:
        assert simulation_id is None
        assert db.table_counts()["simulation_runs"] == 0
        return
    assert simulation_id is not None
    assert counts(db, simulation_id) == expected
    run = db.get_simulation_run(simulation_id)
    assert run is not None
    assert (run.experiment_id, run.iteration, run.run_purpose, run.sample_index) == (
        "exp-p",
        2,
        purpose,
        sample,
    )


def test_default_policy_follows_the_schema() -> None:
    policy = ExperimentPersistencePolicy()
    assert policy.level_for("evaluation") == Level.FULL
    assert policy.level_for("final") == Level.FULL
    assert policy.stores_run("bootstrap") and not policy.stores_transactions("bootstrap")
    assert policy.stores_iteration(accepted=False)
    with pytest.raises(ValueError, match="standalone"):
        policy.level_for("standalone")


def test_recorded_experiment_end_to_end(db: DatabaseManager, recorder: ExperimentRecorder) -> None:
    costs = [5000, 4200, 4500]
    for iteration, cost in enumerate(costs):
        evaluation = recorder.record_simulation(
            iteration, "evaluation", run=RUN, events=EVENTS, transactions=TXS
        )
        for sample in range(3):
            recorder.record_simulation(
                iteration, "bootstrap", sample, run=RUN, events=EVENTS, transactions=TXS
            )
        accepted = iteration != 2  # the last proposal is worse: rejected
        recorder.record_iteration(
            iteration,
            {"A": cost // 2, "B": cost - cost // 2},
            {"A": accepted},
            {"A": {"threshold": iteration}},
            evaluation,
            accepted=accepted,
        )
        recorder.record_event(iteration, "policy_change", {"accepted": accepted})
    recorder.record_simulation(2, "final", run=RUN, events=EVENTS, transactions=TXS)
    done = recorder.finish_experiment(True, "stable", final_cost=4200, best_cost=4200)
    assert (done.num_iterations, done.converged, done.completed_at is not None) == (3, True, True)

    repo = ExperimentRepository(db)
    iterations = repo.get_iterations("exp-a")
    assert [i.iteration for i in iterations] == [0, 1, 2]
    assert iterations[2].accepted_changes == {"A": False}  # rejected, and stored
    for it in iterations:
        assert it.evaluation_simulation_id == f"exp-a-iter{it.iteration}-evaluation"
        assert counts(db, it.evaluation_simulation_id) == (1, 5, 1, 0)
    bootstrap = [r for r in db.list_simulation_runs("exp-a") if r.run_purpose == "bootstrap"]
    assert len(bootstrap) == 9
    assert all(counts(db, r.simulation_id)[2] == 0 for r in bootstrap)  # no transactions
    assert counts(db, "exp-a-iter2-final")[:3] == (1, 5, 1)
    assert len(repo.get_all_events("exp-a")) == 3


def test_recording_again_replaces_cleanly(
    db: DatabaseManager, recorder: ExperimentRecorder
) -> None:
    sim = recorder.record_simulation(0, "evaluation", run=RUN, events=EVENTS, transactions=TXS)
    recorder.record_iteration(0, {"A": 1}, {}, {}, sim)
    again = recorder.record_simulation(
        0, "evaluation", run={**RUN, "total_cost": 7}, events=EVENTS[:2], transactions=[]
    )
    recorder.record_iteration(0, {"A": 2}, {}, {}, again)
    assert sim == again
    assert counts(db, sim) == (1, 2, 0, 0)
    run = db.get_simulation_run(sim)
    assert run is not None and run.total_cost == 7
    (iteration,) = ExperimentRepository(db).get_iterations("exp-a")
    assert iteration.costs_per_agent == {"A": 2}


def test_a_failed_record_leaves_no_trace(db: DatabaseManager, recorder: ExperimentRecorder) -> None:
    bad = [*EVENTS, {"event_type": "X", "tick": 9, "amount": 1.5}]
    with pytest.raises(EncodeError):
        recorder.record_simulation(0, "evaluation", run=RUN, events=bad)
    assert db.table_counts()["simulation_runs"] == 0


def test_costs_are_int_cents(recorder: ExperimentRecorder) -> None:
    with pytest.raises(ValidationError, match="costs_per_agent"):
        recorder.record_iteration(0, {"A": 10.5}, {}, {})
    with pytest.raises(ValidationError):
        recorder.finish_experiment(False, final_cost=1.5)  # type: ignore[arg-type]


def test_conflicting_link_fields_are_refused(recorder: ExperimentRecorder) -> None:
    with pytest.raises(ValueError, match=r"run\.experiment_id"):
        recorder.record_simulation(0, "evaluation", run={**RUN, "experiment_id": "other"})


def test_starting_twice_needs_replace(db: DatabaseManager, recorder: ExperimentRecorder) -> None:
    recorder.record_simulation(0, "evaluation", run=RUN)
    with pytest.raises(WriteError, match="replace=True"):
        recorder.start_experiment("exp-a", "castro", "policy_search", {}, 99)
    recorder.start_experiment("exp-a", "castro", "policy_search", {}, 99, replace=True)
    assert db.table_counts()["simulation_runs"] == 0
