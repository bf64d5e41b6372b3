"""ExperimentRepository: experiments, their iterations and events, in and out as models."""

from __future__ import annotations

import duckdb

from simcash_db import records
from simcash_db.connection import fetch_one, transaction
from simcash_db.database import DatabaseManager
from simcash_db.deletion import delete_experiment
from simcash_db.errors import NotFoundError
from simcash_db.models import (
    ExperimentEventRecord,
    ExperimentIterationRecord,
    ExperimentRecord,
    PolicyEvaluationRecord,
)


class ExperimentRepository:
    """Reads and writes experiments through a DatabaseManager's connection.

    It creates no schema of its own: call ``db.setup()`` first.

    Examples:
        >>> from simcash_db import DatabaseManager, ExperimentRecord
        >>> db = DatabaseManager(":memory:"); db.setup()
        >>> repo = ExperimentRepository(db)
        >>> repo.save_experiment(ExperimentRecord(experiment_id="exp-1", experiment_name="demo",
        ...     experiment_type="policy_search", config={"agents": 4}, master_seed=42))
        >>> repo.load_experiment("exp-1").config
        {'agents': 4}
        >>> db.close()
    """

    def __init__(self, db_manager: DatabaseManager) -> None:
        self.db = db_manager

    @property
    def _conn(self) -> duckdb.DuckDBPyConnection:
        return self.db.conn

    # -- experiments -----------------------------------------------------

    def save_experiment(self, experiment: ExperimentRecord) -> None:
        """Insert the experiment, or update the one with the same id in place."""
        with transaction(self._conn):
            records.upsert(self._conn, experiment)

    def load_experiment(self, experiment_id: str) -> ExperimentRecord | None:
        found = records.select(self._conn, ExperimentRecord, "experiment_id = ?", [experiment_id])
        return found[0] if found else None

    def list_experiments(self, experiment_type: str | None = None) -> list[ExperimentRecord]:
        """Experiments, newest first; only those of ``experiment_type`` when given."""
        if experiment_type is None:
            where, params = "TRUE", []
        else:
            where, params = "experiment_type = ?", [experiment_type]
        return records.select(
            self._conn,
            ExperimentRecord,
            where,
            params,
            order_by="created_at DESC, experiment_id",
        )

    def delete_experiment(self, experiment_id: str) -> bool:
        """Delete the experiment with its iterations, events, linked runs and their rows.

        Safe to run again after an interruption. Returns whether it existed.
        """
        return delete_experiment(self._conn, experiment_id)

    # -- iterations ------------------------------------------------------

    def save_iteration(self, iteration: ExperimentIterationRecord) -> None:
        """Store an iteration; saving the same (experiment, iteration) replaces it."""
        self._require_experiment(iteration.experiment_id)
        with transaction(self._conn):
            records.upsert(self._conn, iteration)

    def get_iterations(self, experiment_id: str) -> list[ExperimentIterationRecord]:
        return records.select(
            self._conn,
            ExperimentIterationRecord,
            "experiment_id = ?",
            [experiment_id],
            order_by="iteration",
        )

    # -- policy evaluations ------------------------------------------------

    def save_policy_evaluation(self, evaluation: PolicyEvaluationRecord) -> None:
        """Store an evaluation; saving the same (experiment, iteration, agent) replaces it."""
        self._require_experiment(evaluation.experiment_id)
        with transaction(self._conn):
            records.upsert(self._conn, evaluation)

    def get_policy_evaluations(
        self, experiment_id: str, iteration: int | None = None, agent_id: str | None = None
    ) -> list[PolicyEvaluationRecord]:
        """An experiment's policy evaluations, by iteration then agent; optionally
        only those of one iteration or one agent."""
        where: list[str] = ["experiment_id = ?"]
        params: list[object] = [experiment_id]
        for column, value in (("iteration", iteration), ("agent_id", agent_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        return records.select(
            self._conn,
            PolicyEvaluationRecord,
            " AND ".join(where),
            params,
            order_by="iteration, agent_id",
        )

    # -- events ----------------------------------------------------------

    def save_event(self, event: ExperimentEventRecord) -> int:
        """Store an experiment event; returns the id the sequence gave it."""
        self._require_experiment(event.experiment_id)
        with transaction(self._conn):
            records.insert(self._conn, event.model_copy(update={"id": None}))
            row = fetch_one(self._conn, "SELECT currval('experiment_events_id_seq')")
        assert row is not None
        return int(row[0])

    def get_events(self, experiment_id: str, iteration: int) -> list[ExperimentEventRecord]:
        return records.select(
            self._conn,
            ExperimentEventRecord,
            "experiment_id = ? AND iteration = ?",
            [experiment_id, iteration],
            order_by="id",
        )

    def get_all_events(self, experiment_id: str) -> list[ExperimentEventRecord]:
        return records.select(
            self._conn,
            ExperimentEventRecord,
            "experiment_id = ?",
            [experiment_id],
            order_by="iteration, id",
        )

    def _require_experiment(self, experiment_id: str) -> None:
        if self.load_experiment(experiment_id) is None:
            raise NotFoundError(f"no experiment {experiment_id!r}; save it first")
