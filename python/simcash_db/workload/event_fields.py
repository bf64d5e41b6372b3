"""The fields of each catalog event type, with realistic values (for ``catalog_events``)."""

from __future__ import annotations

import json
import random
from typing import Any

from simcash_db.workload.catalog import COST_KEYS

Event = dict[str, Any]


class FieldSource:
    """The stream's randomness, banks and payment ids."""

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


def payment_fields(
    src: FieldSource, kind: str, tick: int, day: int, tx: str, a: str, b: str, amount: int
) -> Event | None:
    """A payment's events: arrival, policy, RTGS, queues, LSM, overdue;
    None for other kinds."""
    r = src.rng
    match kind:
        case "Arrival":
            return {
                "tx_id": src.tx(),
                "sender_id": a,
                "receiver_id": b,
                "amount": amount,
                "deadline": tick + r.randrange(5, 60),
                "priority": r.randrange(10),
                "is_divisible": r.random() < 0.2,
            }
        case "PolicySubmit":
            return {"agent_id": a, "tx_id": tx}
        case "PolicyHold" | "PolicyDrop":
            return {"agent_id": a, "tx_id": tx, "reason": "insufficient_liquidity"}
        case "PolicySplit":
            return {
                "agent_id": a,
                "tx_id": tx,
                "num_splits": 2,
                "child_ids": [f"{tx}_a", f"{tx}_b"],
            }
        case "TransactionReprioritized":
            return {"agent_id": a, "tx_id": tx, "old_priority": 3, "new_priority": 7}
        case "PriorityEscalated":
            return {
                "tx_id": tx,
                "sender_id": a,
                "original_priority": 3,
                "escalated_priority": 8,
                "ticks_until_deadline": 4,
                "boost_applied": 5,
            }
        case "RtgsImmediateSettlement":
            before = r.randrange(amount, amount * 4)
            return {
                "tx_id": tx,
                "sender": a,
                "receiver": b,
                "amount": amount,
                "sender_balance_before": before,
                "sender_balance_after": before - amount,
            }
        case "Queue2LiquidityRelease":
            return {
                "tx_id": tx,
                "sender": a,
                "receiver": b,
                "amount": amount,
                "queue_wait_ticks": r.randrange(1, 20),
                "release_reason": "liquidity",
            }
        case "BilateralLimitExceeded":
            return {
                "sender": a,
                "receiver": b,
                "tx_id": tx,
                "amount": amount,
                "current_bilateral_outflow": amount,
                "bilateral_limit": amount,
            }
        case "MultilateralLimitExceeded":
            return {
                "sender": a,
                "tx_id": tx,
                "amount": amount,
                "current_total_outflow": amount,
                "multilateral_limit": amount,
            }
        case "EntryDispositionOffset":
            return {
                "incoming_tx_id": tx,
                "queued_tx_id": f"{tx}q",
                "agent_a": a,
                "agent_b": b,
                "offset_amount": amount,
                "incoming_amount": amount,
                "queued_amount": amount,
            }
        case "QueuedRtgs":
            return {"tx_id": tx, "sender_id": a}
        case "RtgsSubmission":
            return {
                "tx_id": tx,
                "sender": a,
                "receiver": b,
                "amount": amount,
                "internal_priority": 5,
                "rtgs_priority": "Normal",
            }
        case "RtgsWithdrawal":
            return {"tx_id": tx, "sender": a, "original_rtgs_priority": "Normal"}
        case "RtgsResubmission":
            return {
                "tx_id": tx,
                "sender": a,
                "old_rtgs_priority": "Normal",
                "new_rtgs_priority": "Urgent",
            }
        case "LsmBilateralOffset":
            return {
                "agent_a": a,
                "agent_b": b,
                "tx_ids": [tx, f"{tx}b"],
                "amount_a": amount,
                "amount_b": amount // 2,
                "amount": amount // 2,
            }
        case "LsmCycleSettlement":
            agents = r.sample(src.banks, 3)
            amounts = [src.amount() for _ in agents]
            return {
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
        case "TransactionWentOverdue":
            return {
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
            return {
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
            return {
                "tx_id": tx,
                "sender": a,
                "receiver": b,
                "amount": amount,
                "reason": "liquidity",
            }
        case _:
            return None


def bank_fields(
    src: FieldSource, kind: str, tick: int, day: int, tx: str, a: str, b: str, amount: int
) -> Event | None:
    """A bank's and the system's events: collateral, budgets, registers,
    costs, days, liquidity; None for other kinds."""
    r = src.rng
    match kind:
        case "CollateralPost" | "CollateralWithdraw":
            return {
                "agent_id": a,
                "amount": amount,
                "reason": "liquidity_buffer",
                "new_total": amount * 2,
            }
        case "CollateralTimerWithdrawn":
            return {
                "agent_id": a,
                "amount": amount,
                "original_reason": "buffer",
                "posted_at_tick": max(0, tick - 10),
                "new_total": amount,
            }
        case "CollateralTimerBlocked":
            return {
                "agent_id": a,
                "requested_amount": amount,
                "reason": "in_use",
                "original_reason": "buffer",
                "posted_at_tick": max(0, tick - 10),
            }
        case "BankBudgetSet":
            return {
                "agent_id": a,
                "max_value": amount,
                "focus_counterparties": [b] if r.random() < 0.5 else None,
                "max_per_counterparty": None,
            }
        case "StateRegisterSet":
            return {
                "agent_id": a,
                "register_key": r.choice(["mode", "budget_used"]),
                "old_value": 0.0,
                "new_value": round(r.random(), 6),
                "reason": "policy_tree",
                "decision_path": "root/left",
            }
        case "AlgorithmExecution":
            return {
                "algorithm": r.randrange(1, 4),
                "result": "success",
                "settlements": 3,
                "settled_value": amount,
            }
        case "CostAccrual":
            costs = {k: r.randrange(0, 5_000) for k in COST_KEYS[:-1]}
            return {"agent_id": a, "costs": {**costs, "total": sum(costs.values())}}
        case "EndOfDay":
            return {
                "day": day,
                "unsettled_count": r.randrange(50),
                "total_penalties": r.randrange(100_000),
            }
        case "ScenarioEventExecuted":
            return {
                "scenario_event_type": "CollateralAdjustment",
                "details_json": json.dumps({"agent": a, "delta": amount}),
            }
        case "DeferredCreditApplied":
            return {"agent_id": a, "amount": amount, "source_transactions": [tx]}
        case "LiquidityReturn":
            return {"agent_id": a, "amount": amount, "balance_after": amount}
        case "LiquidityAllocation":
            return {
                "day": day,
                "agent_id": a,
                "fraction": round(r.random(), 4),
                "amount": amount,
                "balance_after": amount,
            }
        case _:
            return None
