"""``record_run``: a whole run of a simulator, driven and recorded in one call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.models import SimulationRunRecord
from simcash_db.simulator.protocol import Orchestrator
from simcash_db.simulator.recorder import RunRecorder


def record_run(
    db: DatabaseManager,
    orchestrator: Orchestrator,
    config: Mapping[str, Any],
    *,
    simulation_id: str,
    **run_fields: Any,
) -> SimulationRunRecord:
    """Drive a whole run of ``orchestrator`` (built from ``config``) and record
    it; returns the stored run row. See ``RunRecorder`` for the fields."""
    with RunRecorder(db, orchestrator, config, simulation_id=simulation_id, **run_fields) as rec:
        for _ in range(rec.total_ticks):
            rec.tick()
    assert rec.run is not None
    return rec.run
