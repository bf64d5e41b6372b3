"""Deterministic synthetic workloads in the shape a SimCash simulator produces."""

from simcash_db.workload.catalog import COST_KEYS, EVENT_CATALOG
from simcash_db.workload.events import catalog_events
from simcash_db.workload.experiment import ExperimentShape, run_synthetic_experiment
from simcash_db.workload.simulation import SimulatedRun, simulate_run

__all__ = [
    "COST_KEYS",
    "EVENT_CATALOG",
    "ExperimentShape",
    "SimulatedRun",
    "catalog_events",
    "run_synthetic_experiment",
    "simulate_run",
]
