"""The state of the synthetic RTGS: banks, held payments, the central queue,
what the run has produced so far, and the settlement of one payment."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]

DELAY_COST_PER_TICK = 2  # cents per queued payment per tick
OVERDRAFT_BPS = 3  # liquidity cost per tick, basis points of the overdraft
COLLATERAL_BPS = 1
DEADLINE_PENALTY = 25_000


@dataclass
class SimulatedRun:
    """Everything one run produces, ready for the writers."""

    events: list[Row] = field(default_factory=list)
    transactions: list[Row] = field(default_factory=list)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    costs_per_agent: dict[str, int] = field(default_factory=dict)
    total_settlements: int = 0

    @property
    def total_cost(self) -> int:
        return sum(self.costs_per_agent.values())


@dataclass
class Bank:
    name: str
    balance: int
    threshold: float  # submit only if balance >= threshold * amount
    collateral: int = 0
    costs: dict[str, int] = field(default_factory=dict)  # accumulated over the run
    mode: float = 0.0
    costs_before_day: dict[str, int] = field(default_factory=dict)  # ``costs`` at the day's start


class RtgsState:
    """The banks, their held payments, the RTGS queue, and what the run has produced."""

    def __init__(self, seed: int, banks: int, ticks_per_day: int, thresholds: dict[str, float]):
        self.rng = random.Random(seed)
        self.ticks_per_day = ticks_per_day
        names = [f"BANK_{i:02d}" for i in range(banks)]
        self.banks = {
            n: Bank(n, self.rng.randrange(300_000, 2_000_000), thresholds.get(n, 1.0))
            for n in names
        }
        self.pending: dict[str, list[Row]] = {n: [] for n in names}  # held by the bank
        self.queue: list[Row] = []  # queue 2, at the RTGS
        self.out = SimulatedRun(
            tables={
                "tick_agent_states": [],
                "collateral_events": [],
                "lsm_cycles": [],
                "daily_agent_metrics": [],
            }
        )
        self.next_tx = 0

    def emit(self, event_type: str, tick: int, **fields: Any) -> None:
        self.out.events.append({"event_type": event_type, "tick": tick, **fields})

    def settle(self, tx: Row, tick: int) -> None:
        amount = tx["amount"]
        self.banks[tx["sender_id"]].balance -= amount
        self.banks[tx["receiver_id"]].balance += amount
        day = tick // self.ticks_per_day
        if tx["status"] == "overdue":
            self.emit(
                "OverdueTransactionSettled",
                tick,
                tx_id=tx["tx_id"],
                sender_id=tx["sender_id"],
                receiver_id=tx["receiver_id"],
                amount=amount,
                settled_amount=amount,
                deadline_tick=tx["deadline_tick"],
                overdue_since_tick=tx["overdue_since_tick"],
                total_ticks_overdue=tick - tx["overdue_since_tick"],
                deadline_penalty_cost=DEADLINE_PENALTY,
                estimated_delay_cost=DELAY_COST_PER_TICK * (tick - tx["arrival_tick"]),
            )
        tx.update(
            status="settled",
            settlement_tick=tick,
            settlement_day=day,
            amount_settled=amount,
            total_delay_ticks=tick - tx["arrival_tick"],
            delay_cost=DELAY_COST_PER_TICK * (tick - tx["arrival_tick"]),
        )
        self.out.total_settlements += 1
