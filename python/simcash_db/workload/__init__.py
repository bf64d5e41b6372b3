"""Deterministic synthetic workloads in the shape a SimCash simulator produces.

``catalog`` and ``events``: every event type, for benchmarks; ``rtgs``: a small
RTGS whose events and rows agree, driven by ``simulation.simulate_run``;
``experiment``: a synthetic experiment recorded through ``ExperimentRecorder``.
"""

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
