"""Experiments linked to their simulations: the persistence policy and the recorder.

The structured-id grammar is a fact of the schema and lives in
``simcash_db.models.simulation_ids``; it is re-exported here.
"""

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
