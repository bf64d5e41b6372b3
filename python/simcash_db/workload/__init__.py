"""Deterministic synthetic workloads in the shape a SimCash simulator produces."""

from simcash_db.workload.catalog import COST_KEYS, EVENT_CATALOG

__all__ = ["COST_KEYS", "EVENT_CATALOG"]
