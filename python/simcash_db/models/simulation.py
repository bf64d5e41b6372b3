"""A simulation run and the two streams it emits: transactions and events."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from simcash_db.models.columns import (
    Amount,
    Flag,
    ForeignKey,
    Int64,
    Json,
    TableModel,
)
from simcash_db.models.enums import SimulationRunPurpose, SimulationStatus, TransactionStatus
from simcash_db.models.simulation_ids import generate_simulation_id
from simcash_db.models.timestamps import Timestamp


class SimulationRunRecord(TableModel):
    table_name: ClassVar[str] = "simulation_runs"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id",)
    foreign_keys: ClassVar[tuple[ForeignKey, ...]] = (
        ForeignKey(("experiment_id",), "experiments", ("experiment_id",)),
    )
    # No secondary index: an UPDATE of a referenced run that touches an indexed
    # column fails (DuckDB issue 20246), and the table is small.

    simulation_id: str = Field(min_length=1)
    config_name: str
    config_hash: str
    description: str | None = None
    start_time: Timestamp
    end_time: Timestamp | None = None
    ticks_per_day: Int64 = Field(gt=0)
    num_days: Int64 = Field(ge=0)
    rng_seed: Int64
    status: SimulationStatus
    total_transactions: Int64 = 0
    total_settlements: Int64 | None = None
    total_cost: Amount | None = None
    duration_seconds: float | None = None
    experiment_id: str | None = None
    iteration: Int64 | None = None
    sample_index: Int64 | None = None
    run_purpose: SimulationRunPurpose = SimulationRunPurpose.STANDALONE
    num_agents: Int64 | None = None
    config_json: Json | None = None

    @model_validator(mode="after")
    def _links_match_the_id(self) -> SimulationRunRecord:
        """A run of an experiment carries its structured id; a standalone run has none."""
        standalone = self.run_purpose == SimulationRunPurpose.STANDALONE
        if standalone:
            if self.experiment_id is not None or self.iteration is not None:
                raise ValueError(
                    "a standalone run has no experiment_id or iteration; "
                    "give run_purpose for a run of an experiment"
                )
            return self
        if self.experiment_id is None or self.iteration is None:
            raise ValueError(
                f"a {self.run_purpose.value} run belongs to an experiment: "
                "experiment_id and iteration are required"
            )
        expected = generate_simulation_id(
            self.experiment_id, self.iteration, self.run_purpose, self.sample_index
        )
        if self.simulation_id != expected:
            raise ValueError(
                f"simulation_id {self.simulation_id!r} does not match its links; "
                f"expected {expected!r}"
            )
        return self


class TransactionRecord(TableModel):
    table_name: ClassVar[str] = "transactions"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id", "tx_id")
    enforce_key = False
    per_simulation = True

    simulation_id: str
    tx_id: str
    sender_id: str
    receiver_id: str
    amount: Amount
    priority: Int64
    is_divisible: Flag
    arrival_tick: Int64
    arrival_day: Int64
    deadline_tick: Int64
    settlement_tick: Int64 | None = None
    settlement_day: Int64 | None = None
    status: TransactionStatus
    overdue_since_tick: Int64 | None = None
    drop_reason: str | None = None
    amount_settled: Amount = 0
    queue1_ticks: Int64 = 0
    queue2_ticks: Int64 = 0
    total_delay_ticks: Int64 = 0
    delay_cost: Amount = 0
    parent_tx_id: str | None = None
    split_index: Int64 | None = None
    rtgs_priority: str | None = None
    rtgs_submission_tick: Int64 | None = None
    declared_rtgs_priority: str | None = None


class SimulationEventRecord(TableModel):
    """One event; ``details`` holds every field but ``event_type`` and ``tick``."""

    table_name: ClassVar[str] = "simulation_events"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id", "event_seq")
    enforce_key = False
    per_simulation = True
    event_writer_only = True

    simulation_id: str
    event_seq: Int64 = Field(ge=0)
    tick: Int64
    day: Int64
    event_type: str
    agent_id: str | None = None
    tx_id: str | None = None
    details: Json


class EventBatchRecord(TableModel):
    """One committed batch of a run's events, stored in the batch's own transaction.

    A writer reopened after a crash reads these to know what is stored, and
    skips a re-sent batch whose id is here instead of storing it twice.
    """

    table_name: ClassVar[str] = "event_batches"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id", "batch_id")
    per_simulation = True
    event_writer_only = True

    simulation_id: str
    batch_id: str = Field(min_length=1)
    first_seq: Int64 = Field(ge=0)
    num_events: Int64 = Field(ge=0)
