"""Policy evaluations (schema v3): the costs that accept/reject decisions rest on."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
from pydantic import ValidationError

from simcash_db import DatabaseManager, ExperimentRecorder, ExperimentRepository, WriteError
from simcash_db.schema import META_TABLE, SCHEMA_VERSION
from simcash_db.workload import ExperimentShape, run_synthetic_experiment


@pytest.fixture
def recorder(db: DatabaseManager) -> ExperimentRecorder:
    recorder = ExperimentRecorder(db)
    recorder.start_experiment("exp", "castro", "policy_search", {}, master_seed=1)
    return recorder


def test_a_bootstrap_evaluation_stores_its_samples_and_statistics(
    recorder: ExperimentRecorder,
) -> None:
    samples = [(1_000, 900), (1_200, 1_150), (800, 820), (1_000, 930)]
    record = recorder.record_policy_evaluation(
        3, "BANK_A", evaluation_mode="bootstrap", proposed_policy={"threshold": 0.4},
        old_cost=1_000, new_cost=950, accepted=True, acceptance_reason="mean delta < 0",
        sample_costs=samples, cost_breakdown={"delay_cost": 700, "liquidity_cost": 250},
    )  # fmt: skip
    deltas = [new - old for old, new in samples]  # -100, -50, 20, -70
    assert record.delta_sum == -200 and record.num_samples == 4
    sd = statistics.stdev(deltas)
    assert record.cost_std_dev == round(sd)
    half = 1.96 * sd / math.sqrt(4)
    assert (record.cost_ci95_lower, record.cost_ci95_upper) == (
        math.floor(-50 - half),
        math.ceil(-50 + half),
    )
    assert record.sample_details is not None and record.sample_details[2] == {
        "sample": 2, "old_cost": 800, "new_cost": 820,
    }  # fmt: skip
    stored = ExperimentRepository(recorder.db).get_policy_evaluations("exp", agent_id="BANK_A")
    assert stored == [record]


def test_a_deterministic_evaluation_and_the_filters(recorder: ExperimentRecorder) -> None:
    for iteration, agent in ((0, "A"), (0, "B"), (1, "A")):
        recorder.record_policy_evaluation(
            iteration, agent, evaluation_mode="deterministic", proposed_policy={},
            old_cost=10, new_cost=12, accepted=False, acceptance_reason="cost rose",
            scenario_seed=42,
        )  # fmt: skip
    repo = ExperimentRepository(recorder.db)
    assert [(e.iteration, e.agent_id) for e in repo.get_policy_evaluations("exp")] == [
        (0, "A"), (0, "B"), (1, "A"),
    ]  # fmt: skip
    assert len(repo.get_policy_evaluations("exp", iteration=0)) == 2
    only = repo.get_policy_evaluations("exp", iteration=1, agent_id="A")
    assert only[0].delta_sum == 2 and only[0].num_samples == 1 and only[0].cost_std_dev is None


@pytest.mark.parametrize(
    "bad",
    [
        {"old_cost": 10.5},
        {"new_cost": True},
        {"cost_breakdown": {"delay_cost": 1.5}},
        {"sample_costs": [(10, 9.5)]},
    ],
)
def test_money_is_int_cents_in_every_field_and_inside_the_json(
    recorder: ExperimentRecorder, bad: dict[str, object]
) -> None:
    fields: dict[str, object] = {"old_cost": 10, "new_cost": 9, **bad}
    with pytest.raises(ValidationError):
        recorder.record_policy_evaluation(
            0, "A", evaluation_mode="bootstrap", proposed_policy={}, accepted=True,
            acceptance_reason="-", **fields,  # type: ignore[arg-type]
        )  # fmt: skip
    assert ExperimentRepository(recorder.db).get_policy_evaluations("exp") == []


def test_the_synthetic_experiment_records_real_evaluations(db: DatabaseManager) -> None:
    recorder = ExperimentRecorder(db)
    run_synthetic_experiment(recorder, "syn", 5, ExperimentShape(3, 2, 4, 10, 1))
    repo = ExperimentRepository(db)
    evaluations = repo.get_policy_evaluations("syn")
    assert [e.iteration for e in evaluations] == [0, 1, 2]
    for evaluation in evaluations:
        assert evaluation.evaluation_mode == "bootstrap" and evaluation.num_samples == 2
        # new_cost is the agent's cost in its stored evaluation run, summed
        # independently from that run's daily metrics.
        (stored,) = db.conn.execute(
            "SELECT sum(total_cost) FROM daily_agent_metrics WHERE simulation_id = ? "
            "AND agent_id = ?",
            [evaluation.evaluation_simulation_id, evaluation.agent_id],
        ).fetchall()[0]
        assert evaluation.new_cost == stored
        assert evaluation.sample_details is not None
        assert evaluation.delta_sum == sum(
            s["new_cost"] - s["old_cost"] for s in evaluation.sample_details
        )
    # Deleting the experiment removes its evaluations.
    repo.delete_experiment("syn")
    assert db.table_counts()["policy_evaluations"] == 0


def test_a_version_2_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v2.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        db.conn.execute("DROP TABLE policy_evaluations")
        db.conn.execute(f"UPDATE {META_TABLE} SET value = '2' WHERE key = 'schema_version'")
    with DatabaseManager(path) as db:
        db.setup()
        assert db.schema_version() == SCHEMA_VERSION == 3
        assert db.table_counts()["policy_evaluations"] == 0


def test_an_evaluation_needs_its_experiment(db: DatabaseManager) -> None:
    recorder = ExperimentRecorder(db)
    recorder.start_experiment("gone", "x", "y", {}, master_seed=1)
    ExperimentRepository(db).delete_experiment("gone")
    with pytest.raises((WriteError, LookupError)):
        recorder.record_policy_evaluation(
            0, "A", evaluation_mode="deterministic", proposed_policy={}, old_cost=1,
            new_cost=1, accepted=False, acceptance_reason="-",
        )  # fmt: skip


def test_a_runners_own_statistics_are_stored_as_given(recorder: ExperimentRecorder) -> None:
    # What the simulator's experiment runner does: it computed them itself.
    record = recorder.record_policy_evaluation(
        2, "BANK_A", evaluation_mode="bootstrap", proposed_policy={},
        old_cost=1_000, new_cost=950, accepted=True, acceptance_reason="mean delta < 0",
        delta_sum=-400, num_samples=8, cost_std_dev=30, cost_ci95_lower=-71,
        cost_ci95_upper=-29,
    )  # fmt: skip
    stored = ExperimentRepository(recorder.db).get_policy_evaluations("exp")
    assert stored == [record]
    assert (record.delta_sum, record.num_samples, record.cost_std_dev) == (-400, 8, 30)
    assert (record.cost_ci95_lower, record.cost_ci95_upper) == (-71, -29)


def test_statistics_given_twice_or_as_floats_are_refused_by_name(
    recorder: ExperimentRecorder,
) -> None:
    common = dict(
        evaluation_mode="bootstrap", proposed_policy={}, old_cost=1_000, new_cost=950,
        accepted=True, acceptance_reason="r",
    )  # fmt: skip
    with pytest.raises(ValueError, match="sample_costs and delta_sum, num_samples"):
        recorder.record_policy_evaluation(
            1, "BANK_A", sample_costs=[(1, 2)], delta_sum=1, num_samples=1, **common
        )
    with pytest.raises(ValidationError, match="delta_sum"):
        recorder.record_policy_evaluation(1, "BANK_A", delta_sum=-50.5, **common)
    with pytest.raises(ValueError, match="experiment_id is not a field"):
        recorder.record_policy_evaluation(1, "BANK_A", experiment_id="other", **common)
    assert ExperimentRepository(recorder.db).get_policy_evaluations("exp") == []
