"""Experiments and their iterations and events: what an optimisation loop records."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from simcash_db.models.columns import (
    Amount,
    Cents,
    CostsJson,
    ForeignKey,
    Index,
    Int64,
    Json,
    SampleCostsJson,
    TableModel,
)
from simcash_db.models.enums import EvaluationMode
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


class PolicyEvaluationRecord(TableModel):
    """One agent's proposed policy at one iteration, evaluated: the actual
    costs of the old and the new policy (cents), the decision, and for a
    bootstrap evaluation its samples and their statistics."""

    table_name: ClassVar[str] = "policy_evaluations"
    key_columns: ClassVar[tuple[str, ...]] = ("experiment_id", "iteration", "agent_id")
    foreign_keys: ClassVar[tuple[ForeignKey, ...]] = (
        ForeignKey(("experiment_id",), "experiments", ("experiment_id",)),
        ForeignKey(("evaluation_simulation_id",), "simulation_runs", ("simulation_id",)),
    )

    experiment_id: str = Field(min_length=1)
    iteration: Int64 = Field(ge=0)
    agent_id: str = Field(min_length=1)
    evaluation_mode: EvaluationMode
    proposed_policy: Json
    old_cost: Amount
    new_cost: Amount
    context_simulation_cost: Amount
    accepted: bool
    acceptance_reason: str
    delta_sum: Cents  # new minus old, summed over the samples
    num_samples: Int64 = Field(ge=1)
    sample_details: SampleCostsJson | None = None  # per sample; bootstrap only
    scenario_seed: Int64 | None = None  # deterministic only
    settlement_rate: float | None = None  # a rate, not money
    avg_delay: float | None = None  # ticks, not money
    cost_breakdown: CostsJson | None = None
    cost_std_dev: Cents | None = None
    cost_ci95_lower: Cents | None = None
    cost_ci95_upper: Cents | None = None
    agent_stats: Json | None = None
    evaluation_simulation_id: str | None = None
    timestamp: Timestamp = Field(default_factory=utc_now)
