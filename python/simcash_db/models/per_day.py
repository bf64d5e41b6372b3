"""Per-day and per-occurrence records of a run: metrics, collateral, LSM cycles, queues."""

from __future__ import annotations

from typing import ClassVar

from simcash_db.models.columns import Amount, Cents, Int64, Json, TableModel
from simcash_db.models.enums import CollateralAction


class DailyAgentMetricsRecord(TableModel):
    table_name: ClassVar[str] = "daily_agent_metrics"
    key_columns: ClassVar[tuple[str, ...]] = ("simulation_id", "agent_id", "day")
    enforce_key = False
    per_simulation = True

    simulation_id: str
    agent_id: str
    day: Int64
    opening_balance: Cents
    closing_balance: Cents
    min_balance: Cents
    max_balance: Cents
    unsecured_cap: Cents
    peak_overdraft: Cents
    opening_posted_collateral: Cents = 0
    closing_posted_collateral: Cents = 0
    peak_posted_collateral: Cents = 0
    collateral_capacity: Cents = 0
    num_collateral_posts: Int64 = 0
    num_collateral_withdrawals: Int64 = 0
    num_arrivals: Int64 = 0
    num_sent: Int64 = 0
    num_received: Int64 = 0
    num_settled: Int64 = 0
    num_dropped: Int64 = 0
    queue1_peak_size: Int64 = 0
    queue1_eod_size: Int64 = 0
    liquidity_cost: Amount = 0
    delay_cost: Amount = 0
    collateral_cost: Amount = 0
    split_friction_cost: Amount = 0
    deadline_penalty_cost: Amount = 0
    total_cost: Amount = 0


class CollateralEventRecord(TableModel):
    table_name: ClassVar[str] = "collateral_events"
    key_columns: ClassVar[tuple[str, ...]] = ("id",)
    enforce_key = False
    per_simulation = True
    sequence_column: ClassVar[str | None] = "id"

    id: Int64 | None = None
    simulation_id: str
    agent_id: str
    tick: Int64
    day: Int64
    action: CollateralAction
    amount: Amount
    reason: str
    layer: str
    balance_before: Cents
    posted_collateral_before: Cents
    posted_collateral_after: Cents
    available_capacity_after: Cents


class LsmCycleRecord(TableModel):
    table_name: ClassVar[str] = "lsm_cycles"
    key_columns: ClassVar[tuple[str, ...]] = ("id",)
    enforce_key = False
    per_simulation = True
    sequence_column: ClassVar[str | None] = "id"

    id: Int64 | None = None
    simulation_id: str
    tick: Int64
    day: Int64
    cycle_type: str
    cycle_length: Int64
    agents: Json
    transactions: Json
    settled_value: Amount
    total_value: Amount
    tx_amounts: Json | None = None
    net_positions: Json | None = None
    max_net_outflow: Cents | None = None
    max_net_outflow_agent: str | None = None


class AgentQueueSnapshotRecord(TableModel):
    table_name: ClassVar[str] = "agent_queue_snapshots"
    key_columns: ClassVar[tuple[str, ...]] = (
        "simulation_id",
        "agent_id",
        "day",
        "queue_type",
        "position",
    )
    enforce_key = False
    per_simulation = True

    simulation_id: str
    agent_id: str
    day: Int64
    queue_type: str
    position: Int64
    transaction_id: str
