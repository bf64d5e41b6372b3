"""Low-volume snapshots of a run: policies and checkpoints (keys enforced by DuckDB)."""

from __future__ import annotations

from typing import ClassVar

from simcash_db.models.columns import ForeignKey, Int64, Json, TableModel
from simcash_db.models.enums import CheckpointType, PolicyCreator
from simcash_db.models.timestamps import Timestamp

_RUN_FK = ForeignKey(("simulation_id",), "simulation_runs", ("simulation_id",))


class PolicySnapshotRecord(TableModel):
    table_name: ClassVar[str] = "policy_snapshots"
    key_columns: ClassVar[tuple[str, ...]] = (
        "simulation_id",
        "agent_id",
        "snapshot_day",
        "snapshot_tick",
    )
    per_simulation = True
    foreign_keys = (_RUN_FK,)

    simulation_id: str
    agent_id: str
    snapshot_day: Int64
    snapshot_tick: Int64
    policy_hash: str
    policy_json: Json
    created_by: PolicyCreator


class SimulationCheckpointRecord(TableModel):
    table_name: ClassVar[str] = "simulation_checkpoints"
    key_columns: ClassVar[tuple[str, ...]] = ("checkpoint_id",)
    per_simulation = True
    foreign_keys = (_RUN_FK,)

    checkpoint_id: str
    simulation_id: str
    checkpoint_tick: Int64
    checkpoint_day: Int64
    checkpoint_timestamp: Timestamp
    state_json: Json
    state_hash: str
    config_json: Json
    config_hash: str
    checkpoint_type: CheckpointType
    description: str | None = None
    created_by: str
    num_agents: Int64
    num_transactions: Int64
    total_size_bytes: Int64
