"""A deterministic stream of catalog events with realistic mix and values.

Each tick, banks receive arrivals that are submitted, settled, queued or
offset; policies and collateral act now and then; costs accrue per bank and
every day ends with an ``EndOfDay``. Every event type of the catalog appears.
This is a stream for benchmarks and tests, not a payment simulation: its
events need not agree with one another (``simcash_db.workload.simulation``
generates runs that do).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from simcash_db.workload.catalog import COST_KEYS

Event = dict[str, Any]

# Events a tick produces per arrival (roughly what an RTGS run emits).
_PER_ARRIVAL = (
    "PolicySubmit",
    "RtgsSubmission",
    "RtgsImmediateSettlement",
    "CostAccrual",
    "StateRegisterSet",
)
_OCCASIONAL = (
    "PolicyHold",
    "PolicyDrop",
    "PolicySplit",
    "TransactionReprioritized",
    "PriorityEscalated",
    "CollateralPost",
    "CollateralWithdraw",
    "CollateralTimerWithdrawn",
    "CollateralTimerBlocked",
    "BankBudgetSet",
    "Queue2LiquidityRelease",
    "BilateralLimitExceeded",
    "MultilateralLimitExceeded",
    "AlgorithmExecution",
    "EntryDispositionOffset",
    "QueuedRtgs",
    "RtgsWithdrawal",
    "RtgsResubmission",
    "LsmBilateralOffset",
    "LsmCycleSettlement",
    "TransactionWentOverdue",
    "OverdueTransactionSettled",
    "RtgsQueue2Settle",
    "ScenarioEventExecuted",
    "DeferredCreditApplied",
    "LiquidityReturn",
    "LiquidityAllocation",
)


class _Stream:
    def __init__(self, seed: int, banks: int) -> None:
        self.rng = random.Random(seed)
        self.banks = [f"BANK_{i:02d}" for i in range(banks)]
        self.next_tx = 0

    def bank(self) -> str:
        return self.rng.choice(self.banks)

    def pair(self) -> tuple[str, str]:
        a, b = self.rng.sample(self.banks, 2)
        return a, b

    def amount(self) -> int:
        return self.rng.randrange(10_000, 50_000_000)

    def tx(self) -> str:
        self.next_tx += 1
        return f"tx_{self.next_tx:09d}"

    def event(self, kind: str, tick: int, day: int) -> Event:
        r, tx, (a, b), amount = self.rng, f"tx_{self.next_tx:09d}", self.pair(), self.amount()
        fields: dict[str, Any]
        match kind:
            case "Arrival":
                fields = {
                    "tx_id": self.tx(),
                    "sender_id": a,
                    "receiver_id": b,
                    "amount": amount,
                    "deadline": tick + r.randrange(5, 60),
                    "priority": r.randrange(10),
                    "is_divisible": r.random() < 0.2,
                }
            case "PolicySubmit":
                fields = {"agent_id": a, "tx_id": tx}
            case "PolicyHold" | "PolicyDrop":
                fields = {"agent_id": a, "tx_id": tx, "reason": "insufficient_liquidity"}
            case "PolicySplit":
                fields = {
                    "agent_id": a,
                    "tx_id": tx,
                    "num_splits": 2,
                    "child_ids": [f"{tx}_a", f"{tx}_b"],
                }
            case "TransactionReprioritized":
                fields = {"agent_id": a, "tx_id": tx, "old_priority": 3, "new_priority": 7}
            case "PriorityEscalated":
                fields = {
                    "tx_id": tx,
                    "sender_id": a,
                    "original_priority": 3,
                    "escalated_priority": 8,
                    "ticks_until_deadline": 4,
                    "boost_applied": 5,
                }
            case "CollateralPost" | "CollateralWithdraw":
                fields = {
                    "agent_id": a,
                    "amount": amount,
                    "reason": "liquidity_buffer",
                    "new_total": amount * 2,
                }
            case "CollateralTimerWithdrawn":
                fields = {
                    "agent_id": a,
                    "amount": amount,
                    "original_reason": "buffer",
                    "posted_at_tick": max(0, tick - 10),
                    "new_total": amount,
                }
            case "CollateralTimerBlocked":
                fields = {
                    "agent_id": a,
                    "requested_amount": amount,
                    "reason": "in_use",
                    "original_reason": "buffer",
                    "posted_at_tick": max(0, tick - 10),
                }
            case "BankBudgetSet":
                fields = {
                    "agent_id": a,
                    "max_value": amount,
                    "focus_counterparties": [b] if r.random() < 0.5 else None,
                    "max_per_counterparty": None,
                }
            case "StateRegisterSet":
                fields = {
                    "agent_id": a,
                    "register_key": r.choice(["mode", "budget_used"]),
                    "old_value": 0.0,
                    "new_value": round(r.random(), 6),
                    "reason": "policy_tree",
                    "decision_path": "root/left",
                }
            case "RtgsImmediateSettlement":
                before = r.randrange(amount, amount * 4)
                fields = {
                    "tx_id": tx,
                    "sender": a,
                    "receiver": b,
                    "amount": amount,
                    "sender_balance_before": before,
                    "sender_balance_after": before - amount,
                }
            case "Queue2LiquidityRelease":
                fields = {
                    "tx_id": tx,
                    "sender": a,
                    "receiver": b,
                    "amount": amount,
                    "queue_wait_ticks": r.randrange(1, 20),
                    "release_reason": "liquidity",
                }
            case "BilateralLimitExceeded":
                fields = {
                    "sender": a,
                    "receiver": b,
                    "tx_id": tx,
                    "amount": amount,
                    "current_bilateral_outflow": amount,
                    "bilateral_limit": amount,
                }
            case "MultilateralLimitExceeded":
                fields = {
                    "sender": a,
                    "tx_id": tx,
                    "amount": amount,
                    "current_total_outflow": amount,
                    "multilateral_limit": amount,
                }
            case "AlgorithmExecution":
                fields = {
                    "algorithm": r.randrange(1, 4),
                    "result": "success",
                    "settlements": 3,
                    "settled_value": amount,
                }
            case "EntryDispositionOffset":
                fields = {
                    "incoming_tx_id": tx,
                    "queued_tx_id": f"{tx}q",
                    "agent_a": a,
                    "agent_b": b,
                    "offset_amount": amount,
                    "incoming_amount": amount,
                    "queued_amount": amount,
                }
            case "QueuedRtgs":
                fields = {"tx_id": tx, "sender_id": a}
            case "RtgsSubmission":
                fields = {
                    "tx_id": tx,
                    "sender": a,
                    "receiver": b,
                    "amount": amount,
                    "internal_priority": 5,
                    "rtgs_priority": "Normal",
                }
            case "RtgsWithdrawal":
                fields = {"tx_id": tx, "sender": a, "original_rtgs_priority": "Normal"}
            case "RtgsResubmission":
                fields = {
                    "tx_id": tx,
                    "sender": a,
                    "old_rtgs_priority": "Normal",
                    "new_rtgs_priority": "Urgent",
                }
            case "LsmBilateralOffset":
                fields = {
                    "agent_a": a,
                    "agent_b": b,
                    "tx_ids": [tx, f"{tx}b"],
                    "amount_a": amount,
                    "amount_b": amount // 2,
                    "amount": amount // 2,
                }
            case "LsmCycleSettlement":
                agents = r.sample(self.banks, 3)
                amounts = [self.amount() for _ in agents]
                fields = {
                    "agents": agents,
                    "tx_amounts": amounts,
                    "total_value": sum(amounts),
                    "net_positions": [
                        amounts[0] - amounts[2],
                        amounts[1] - amounts[0],
                        amounts[2] - amounts[1],
                    ],
                    "max_net_outflow": max(amounts),
                    "max_net_outflow_agent": agents[0],
                    "tx_ids": [f"{tx}c{i}" for i in range(3)],
                    "cycle_value": min(amounts),
                }
            case "CostAccrual":
                costs = {k: r.randrange(0, 5_000) for k in COST_KEYS[:-1]}
                fields = {"agent_id": a, "costs": {**costs, "total": sum(costs.values())}}
            case "EndOfDay":
                fields = {
                    "day": day,
                    "unsettled_count": r.randrange(50),
                    "total_penalties": r.randrange(100_000),
                }
            case "TransactionWentOverdue":
                fields = {
                    "tx_id": tx,
                    "sender_id": a,
                    "receiver_id": b,
                    "amount": amount,
                    "remaining_amount": amount,
                    "deadline_tick": max(0, tick - 1),
                    "ticks_overdue": 1,
                    "deadline_penalty_cost": 25_000,
                }
            case "OverdueTransactionSettled":
                fields = {
                    "tx_id": tx,
                    "sender_id": a,
                    "receiver_id": b,
                    "amount": amount,
                    "settled_amount": amount,
                    "deadline_tick": max(0, tick - 5),
                    "overdue_since_tick": max(0, tick - 5),
                    "total_ticks_overdue": 5,
                    "deadline_penalty_cost": 25_000,
                    "estimated_delay_cost": 1_200,
                }
            case "RtgsQueue2Settle":
                fields = {
                    "tx_id": tx,
                    "sender": a,
                    "receiver": b,
                    "amount": amount,
                    "reason": "liquidity",
                }
            case "ScenarioEventExecuted":
                fields = {
                    "scenario_event_type": "CollateralAdjustment",
                    "details_json": json.dumps({"agent": a, "delta": amount}),
                }
            case "DeferredCreditApplied":
                fields = {"agent_id": a, "amount": amount, "source_transactions": [tx]}
            case "LiquidityReturn":
                fields = {"agent_id": a, "amount": amount, "balance_after": amount}
            case "LiquidityAllocation":
                fields = {
                    "day": day,
                    "agent_id": a,
                    "fraction": round(r.random(), 4),
                    "amount": amount,
                    "balance_after": amount,
                }
            case _:
                raise ValueError(f"unknown event type {kind!r}")
        return {"event_type": kind, "tick": tick, **fields}


def catalog_events(
    seed: int, count: int, *, banks: int = 25, ticks_per_day: int = 100
) -> Iterator[Event]:
    """``count`` events of every catalog type, from ``seed``; same seed, same events."""
    stream = _Stream(seed, banks)
    emitted, tick = 0, 0
    while True:
        day = tick // ticks_per_day
        batch = []
        if tick % ticks_per_day == 0:
            batch.append(stream.event("LiquidityAllocation", tick, day))
        for _ in range(stream.rng.randrange(2, 6)):
            batch.append(stream.event("Arrival", tick, day))
            batch.extend(stream.event(kind, tick, day) for kind in _PER_ARRIVAL)
        batch.extend(stream.event(kind, tick, day) for kind in stream.rng.sample(_OCCASIONAL, 2))
        if tick % ticks_per_day == ticks_per_day - 1:
            batch.append(stream.event("EndOfDay", tick, day))
        for event in batch:
            if emitted == count:
                return
            yield event
            emitted += 1
        tick += 1
