"""Experiments and their iterations and events: what an optimisation loop records."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from simcash_db.models.columns import (
    Amount,
    CostsJson,
    ForeignKey,
    Index,
    Int64,
    Json,
    TableModel,
)
from simcash_db.models.timestamps import Timestamp, utc_now


class ExperimentRecord(TableModel):
    table_name: ClassVar[str] = "experiments"
    key_columns: ClassVar[tuple[str, ...]] = ("experiment_id",)
    # No secondary index here: converged, completed_at and the costs are updated
    # while runs reference the row (DuckDB issue 20246).

    experiment_id: str = Field(min_length=1)
    experiment_name: str
    experiment_type: str
    config: Json
    scenario_path: str | None = None
    master_seed: Int64
    created_at: Timestamp = Field(default_factory=utc_now)
    completed_at: Timestamp | None = None
    num_iterations: Int64 = 0
    converged: bool = False
    convergence_reason: str | None = None
    final_cost: Amount | None = None
    best_cost: Amount | None = None


class ExperimentIterationRecord(TableModel):
    table_name: ClassVar[str] = "experiment_iterations"
    key_columns: ClassVar[tuple[str, ...]] = ("experiment_id", "iteration")
    foreign_keys: ClassVar[tuple[ForeignKey, ...]] = (
        ForeignKey(("experiment_id",), "experiments", ("experiment_id",)),
        ForeignKey(("evaluation_simulation_id",), "simulation_runs", ("simulation_id",)),
    )

    experiment_id: str = Field(min_length=1)
    iteration: Int64 = Field(ge=0)
    costs_per_agent: CostsJson
    accepted_changes: Json
    policies: Json
    timestamp: str
    evaluation_simulation_id: str | None = None


class ExperimentEventRecord(TableModel):
    table_name: ClassVar[str] = "experiment_events"
    key_columns: ClassVar[tuple[str, ...]] = ("id",)
    sequence_column: ClassVar[str | None] = "id"
    foreign_keys: ClassVar[tuple[ForeignKey, ...]] = (
        ForeignKey(("experiment_id",), "experiments", ("experiment_id",)),
    )
    indexes: ClassVar[tuple[Index, ...]] = (
        Index("idx_experiment_events_experiment", ("experiment_id", "iteration")),
    )

    id: Int64 | None = None
    experiment_id: str = Field(min_length=1)
    iteration: Int64 = Field(ge=0)
    event_type: str
    event_data: Json
    timestamp: str
