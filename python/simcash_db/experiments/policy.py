"""What an experiment stores of each simulation it runs."""

from __future__ import annotations

from enum import IntEnum

from pydantic import BaseModel, ConfigDict, model_validator

from simcash_db.models import SimulationRunPurpose


class SimulationPersistenceLevel(IntEnum):
    """How much of a simulation to store; each level includes the ones below."""

    NONE = 0  #: nothing, not even the run row
    SUMMARY = 1  #: the run row with its totals and costs
    EVENTS = 2  #: ... and the event stream (with the state registers it sets)
    FULL = 3  #: ... and transactions and the per-tick and per-day tables


class ExperimentPersistencePolicy(BaseModel):
    """Levels per run purpose. The defaults are those of the unified schema:
    every evaluation stored in full, bootstrap samples as a summary (no
    transactions), the final evaluation always, every iteration accepted or
    rejected.

    Examples:
        >>> policy = ExperimentPersistencePolicy()
        >>> policy.level_for("bootstrap").name, policy.level_for("evaluation").name
        ('SUMMARY', 'FULL')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial: SimulationPersistenceLevel = SimulationPersistenceLevel.FULL
    evaluation: SimulationPersistenceLevel = SimulationPersistenceLevel.FULL
    bootstrap: SimulationPersistenceLevel = SimulationPersistenceLevel.SUMMARY
    best: SimulationPersistenceLevel = SimulationPersistenceLevel.FULL
    final: SimulationPersistenceLevel = SimulationPersistenceLevel.FULL
    store_rejected_iterations: bool = True

    @model_validator(mode="after")
    def _final_is_kept(self) -> ExperimentPersistencePolicy:
        if self.final == SimulationPersistenceLevel.NONE:
            raise ValueError("the final evaluation is always stored: final cannot be NONE")
        return self

    def level_for(self, purpose: SimulationRunPurpose | str) -> SimulationPersistenceLevel:
        kind = SimulationRunPurpose(purpose)
        if kind == SimulationRunPurpose.STANDALONE:
            raise ValueError("standalone runs are not part of an experiment")
        level: SimulationPersistenceLevel = getattr(self, kind.value)
        return level

    def stores_run(self, purpose: SimulationRunPurpose | str) -> bool:
        return self.level_for(purpose) >= SimulationPersistenceLevel.SUMMARY

    def stores_events(self, purpose: SimulationRunPurpose | str) -> bool:
        return self.level_for(purpose) >= SimulationPersistenceLevel.EVENTS

    def stores_transactions(self, purpose: SimulationRunPurpose | str) -> bool:
        return self.level_for(purpose) >= SimulationPersistenceLevel.FULL

    def stores_iteration(self, accepted: bool) -> bool:
        return accepted or self.store_rejected_iterations
