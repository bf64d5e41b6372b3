"""Experiments linked to their simulations: structured ids, the persistence policy, the recorder."""

from simcash_db.experiments.policy import ExperimentPersistencePolicy, SimulationPersistenceLevel
from simcash_db.experiments.recorder import ExperimentRecorder
from simcash_db.models.simulation_ids import (
    EXPERIMENT_PURPOSES,
    ParsedSimulationId,
    generate_simulation_id,
    parse_simulation_id,
)

__all__ = [
    "EXPERIMENT_PURPOSES",
    "ExperimentPersistencePolicy",
    "ExperimentRecorder",
    "ParsedSimulationId",
    "SimulationPersistenceLevel",
    "generate_simulation_id",
    "parse_simulation_id",
]
