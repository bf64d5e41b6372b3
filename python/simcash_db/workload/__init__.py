"""Deterministic synthetic workloads in the shape a SimCash simulator produces."""

from simcash_db.workload.catalog import COST_KEYS, EVENT_CATALOG
from simcash_db.workload.events import catalog_events

__all__ = ["COST_KEYS", "EVENT_CATALOG", "catalog_events"]
