"""The event types a SimCash simulator emits and the keys each carries.

Type codes: ``s`` str, ``i`` int (cents where money), ``f`` float, ``b``
bool, ``[s]``/``[i]`` lists, ``{costs}`` the nested cost dict; a trailing
``?`` means the value may be None. This is what to expect, not a whitelist:
the writers store unknown types and extra keys too.
"""

from __future__ import annotations

EVENT_CATALOG: dict[str, dict[str, str]] = {
    "Arrival": {
        "tx_id": "s", "sender_id": "s", "receiver_id": "s", "amount": "i", "deadline": "i",
        "priority": "i", "is_divisible": "b",
    },
    "PolicySubmit": {"agent_id": "s", "tx_id": "s"},
    "PolicyHold": {"agent_id": "s", "tx_id": "s", "reason": "s"},
    "PolicyDrop": {"agent_id": "s", "tx_id": "s", "reason": "s"},
    "PolicySplit": {"agent_id": "s", "tx_id": "s", "num_splits": "i", "child_ids": "[s]"},
    "TransactionReprioritized": {
        "agent_id": "s", "tx_id": "s", "old_priority": "i", "new_priority": "i",
    },
    "PriorityEscalated": {
        "tx_id": "s", "sender_id": "s", "original_priority": "i", "escalated_priority": "i",
        "ticks_until_deadline": "i", "boost_applied": "i",
    },
    "CollateralPost": {"agent_id": "s", "amount": "i", "reason": "s", "new_total": "i"},
    "CollateralWithdraw": {"agent_id": "s", "amount": "i", "reason": "s", "new_total": "i"},
    "CollateralTimerWithdrawn": {
        "agent_id": "s", "amount": "i", "original_reason": "s", "posted_at_tick": "i",
        "new_total": "i",
    },
    "CollateralTimerBlocked": {
        "agent_id": "s", "requested_amount": "i", "reason": "s", "original_reason": "s",
        "posted_at_tick": "i",
    },
    "BankBudgetSet": {
        "agent_id": "s", "max_value": "i", "focus_counterparties": "[s]?",
        "max_per_counterparty": "i?",
    },
    "StateRegisterSet": {
        "agent_id": "s", "register_key": "s", "old_value": "f", "new_value": "f", "reason": "s",
        "decision_path": "s?",
    },
    "RtgsImmediateSettlement": {
        "tx_id": "s", "sender": "s", "receiver": "s", "amount": "i",
        "sender_balance_before": "i", "sender_balance_after": "i",
    },
    "Queue2LiquidityRelease": {
        "tx_id": "s", "sender": "s", "receiver": "s", "amount": "i", "queue_wait_ticks": "i",
        "release_reason": "s",
    },
    "BilateralLimitExceeded": {
        "sender": "s", "receiver": "s", "tx_id": "s", "amount": "i",
        "current_bilateral_outflow": "i", "bilateral_limit": "i",
    },
    "MultilateralLimitExceeded": {
        "sender": "s", "tx_id": "s", "amount": "i", "current_total_outflow": "i",
        "multilateral_limit": "i",
    },
    "AlgorithmExecution": {
        "algorithm": "i", "result": "s", "settlements": "i", "settled_value": "i",
    },
    "EntryDispositionOffset": {
        "incoming_tx_id": "s", "queued_tx_id": "s", "agent_a": "s", "agent_b": "s",
        "offset_amount": "i", "incoming_amount": "i", "queued_amount": "i",
    },
    "QueuedRtgs": {"tx_id": "s", "sender_id": "s"},
    "RtgsSubmission": {
        "tx_id": "s", "sender": "s", "receiver": "s", "amount": "i", "internal_priority": "i",
        "rtgs_priority": "s",
    },
    "RtgsWithdrawal": {"tx_id": "s", "sender": "s", "original_rtgs_priority": "s"},
    "RtgsResubmission": {
        "tx_id": "s", "sender": "s", "old_rtgs_priority": "s", "new_rtgs_priority": "s",
    },
    "LsmBilateralOffset": {
        "agent_a": "s", "agent_b": "s", "tx_ids": "[s]", "amount_a": "i", "amount_b": "i",
        "amount": "i",
    },
    "LsmCycleSettlement": {
        "agents": "[s]", "tx_amounts": "[i]", "total_value": "i", "net_positions": "[i]",
        "max_net_outflow": "i", "max_net_outflow_agent": "s", "tx_ids": "[s]",
        "cycle_value": "i",
    },
    "CostAccrual": {"agent_id": "s", "costs": "{costs}"},
    "EndOfDay": {"day": "i", "unsettled_count": "i", "total_penalties": "i"},
    "TransactionWentOverdue": {
        "tx_id": "s", "sender_id": "s", "receiver_id": "s", "amount": "i",
        "remaining_amount": "i", "deadline_tick": "i", "ticks_overdue": "i",
        "deadline_penalty_cost": "i",
    },
    "OverdueTransactionSettled": {
        "tx_id": "s", "sender_id": "s", "receiver_id": "s", "amount": "i", "settled_amount": "i",
        "deadline_tick": "i", "overdue_since_tick": "i", "total_ticks_overdue": "i",
        "deadline_penalty_cost": "i", "estimated_delay_cost": "i",
    },
    "RtgsQueue2Settle": {
        "tx_id": "s", "sender": "s", "receiver": "s", "amount": "i", "reason": "s",
    },
    "ScenarioEventExecuted": {"scenario_event_type": "s", "details_json": "s"},
    "DeferredCreditApplied": {"agent_id": "s", "amount": "i", "source_transactions": "[s]"},
    "LiquidityReturn": {"agent_id": "s", "amount": "i", "balance_after": "i"},
    "LiquidityAllocation": {
        "day": "i", "agent_id": "s", "fraction": "f", "amount": "i", "balance_after": "i",
    },
}

#: The keys of the nested ``costs`` dict of ``CostAccrual``.
COST_KEYS = (
    "liquidity_cost", "delay_cost", "collateral_cost", "penalty_cost", "split_friction_cost",
    "total",
)
