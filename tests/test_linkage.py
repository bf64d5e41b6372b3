"""Foreign keys between experiments, runs and iterations are real DuckDB constraints."""

from __future__ import annotations

import duckdb
import pytest

from factories import iteration, later, make_experiment, make_linked_run, make_run
from simcash_db import (
    DatabaseManager,
    ExperimentRepository,
    NotFoundError,
    SimulationRunPurpose,
    WriteError,
)

R0 = "exp-1-iter0-evaluation"


class TestExperimentSimulationLinkage:
    def test_run_references_its_experiment(
        self, db: DatabaseManager, repo: ExperimentRepository
    ) -> None:
        repo.save_experiment(make_experiment())
        run = make_run(
            "exp-1-iter0-evaluation",
            experiment_id="exp-1",
            iteration=0,
            run_purpose=SimulationRunPurpose.EVALUATION,
        )
        db.save_simulation_run(run)
        assert db.list_simulation_runs("exp-1") == [run]
        assert db.list_simulation_runs("other") == []

    def test_iteration_references_its_evaluation_run(
        self, db: DatabaseManager, repo: ExperimentRepository
    ) -> None:
        repo.save_experiment(make_experiment())
        db.save_simulation_run(make_linked_run("exp-1"))
        repo.save_iteration(iteration(0, "exp-1-iter0-evaluation"))
        (stored,) = repo.get_iterations("exp-1")
        assert stored.evaluation_simulation_id == "exp-1-iter0-evaluation"

    def test_run_with_unknown_experiment_is_refused_by_the_database(
        self, db: DatabaseManager
    ) -> None:
        with pytest.raises(duckdb.ConstraintException):
            db.save_simulation_run(make_linked_run("no-such-experiment"))
        assert db.table_counts()["simulation_runs"] == 0

    def test_iteration_with_dangling_run_is_refused_by_the_database(
        self, repo: ExperimentRepository
    ) -> None:
        repo.save_experiment(make_experiment())
        with pytest.raises(duckdb.ConstraintException):
            repo.save_iteration(iteration(0, "no-such-run"))
        assert repo.get_iterations("exp-1") == []

    def test_iteration_of_unknown_experiment_is_refused(self, repo: ExperimentRepository) -> None:
        with pytest.raises(NotFoundError, match="no experiment 'ghost'"):
            repo.save_iteration(iteration(0, experiment_id="ghost"))

    def test_referenced_parents_can_be_updated(
        self, db: DatabaseManager, repo: ExperimentRepository
    ) -> None:
        # DuckDB issue 20246: updating a referenced parent fails if an updated
        # column has a secondary index. Both parents are updated here.
        repo.save_experiment(make_experiment())
        db.save_simulation_run(make_linked_run("exp-1"))
        repo.save_iteration(iteration(0, R0))
        finished = make_experiment(
            converged=True,
            convergence_reason="stable",
            final_cost=12_345,
            best_cost=12_000,
            completed_at=later(30),
            num_iterations=1,
        )
        repo.save_experiment(finished)
        done = make_linked_run("exp-1", status="completed", end_time=later(5), total_cost=99)
        db.save_simulation_run(done)
        assert repo.load_experiment("exp-1") == finished
        assert db.get_simulation_run(R0) == done

    def test_run_named_by_an_iteration_cannot_be_deleted_alone(
        self, db: DatabaseManager, repo: ExperimentRepository
    ) -> None:
        repo.save_experiment(make_experiment())
        db.save_simulation_run(make_linked_run("exp-1"))
        repo.save_iteration(iteration(0, R0))
        with pytest.raises(WriteError, match="evaluation run"):
            db.delete_simulation(R0)
        assert db.get_simulation_run(R0) is not None
