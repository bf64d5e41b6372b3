"""Per-tick state of a run: agent balances and costs, queues, decisions, registers."""

from __future__ import annotations

from typing import ClassVar

from simcash_db.models.columns import Amount, Cents, Int64, Json, TableModel


class TickAgentStateRecord(TableModel):
    table_name: ClassVar[str] = "tick_agent_states"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id", "agent_id", "tick")
    enforce_key = False
    per_simulation = True

    simulation_id: str
    agent_id: str
    tick: Int64
    day: Int64
    balance: Cents
    balance_change: Cents
    unsecured_cap: Cents
    posted_collateral: Cents
    liquidity_cost: Amount
    delay_cost: Amount
    collateral_cost: Amount
    penalty_cost: Amount
    split_friction_cost: Amount
    liquidity_cost_delta: Cents
    delay_cost_delta: Cents
    collateral_cost_delta: Cents
    penalty_cost_delta: Cents
    split_friction_cost_delta: Cents


class TickQueueSnapshotRecord(TableModel):
    table_name: ClassVar[str] = "tick_queue_snapshots"
    key_columns: ClassVar[tuple[str, ...]] = (
        "simulation_id",
        "agent_id",
        "tick",
        "queue_type",
        "position",
    )
    enforce_key = False
    per_simulation = True

    simulation_id: str
    agent_id: str
    tick: Int64
    queue_type: str
    position: Int64
    tx_id: str


class PolicyDecisionRecord(TableModel):
    table_name: ClassVar[str] = "policy_decisions"
    key_columns: ClassVar[tuple[str, ...]] = ("id",)
    enforce_key = False
    per_simulation = True
    sequence_column: ClassVar[str | None] = "id"

    id: Int64 | None = None
    simulation_id: str
    agent_id: str
    tick: Int64
    day: Int64
    decision_type: str
    tx_id: str
    reason: str | None = None
    num_splits: Int64 | None = None
    child_tx_ids: Json | None = None


class AgentStateRegisterRecord(TableModel):
    """The final value of a register in a tick (last ``StateRegisterSet`` wins)."""

    table_name: ClassVar[str] = "agent_state_registers"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id", "tick", "agent_id", "register_key")
    enforce_key = False
    per_simulation = True

    simulation_id: str
    tick: Int64
    agent_id: str
    register_key: str
    register_value: float
