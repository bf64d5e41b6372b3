"""What a tick and a day cost each bank: overdue payments, collateral posted
when short, the liquidity register, cost accruals and the end-of-day metrics."""

from __future__ import annotations

from simcash_db.workload.rtgs.state import (
    COLLATERAL_BPS,
    DEADLINE_PENALTY,
    DELAY_COST_PER_TICK,
    OVERDRAFT_BPS,
    RtgsState,
)


def collateral_and_costs(sim: RtgsState, tick: int) -> None:
    day = tick // sim.ticks_per_day
    queued_by = {name: 0 for name in sim.banks}
    for tx in sim.queue:
        queued_by[tx["sender_id"]] += 1
    for tx in sim.out.transactions:
        if tx["status"] == "pending" and tick > tx["deadline_tick"]:
            tx.update(status="overdue", overdue_since_tick=tick)
            sim.emit(
                "TransactionWentOverdue",
                tick,
                tx_id=tx["tx_id"],
                sender_id=tx["sender_id"],
                receiver_id=tx["receiver_id"],
                amount=tx["amount"],
                remaining_amount=tx["amount"],
                deadline_tick=tx["deadline_tick"],
                ticks_overdue=1,
                deadline_penalty_cost=DEADLINE_PENALTY,
            )
            sim.banks[tx["sender_id"]].costs["penalty_cost"] = (
                sim.banks[tx["sender_id"]].costs.get("penalty_cost", 0) + DEADLINE_PENALTY
            )
    for bank in sim.banks.values():
        if queued_by[bank.name] and bank.collateral == 0:
            amount = 1_000_000
            bank.collateral += amount
            sim.emit(
                "CollateralPost",
                tick,
                agent_id=bank.name,
                amount=amount,
                reason="cover_overdraft",
                new_total=bank.collateral,
            )
            sim.out.tables["collateral_events"].append(
                {
                    "agent_id": bank.name,
                    "tick": tick,
                    "day": day,
                    "action": "post",
                    "amount": amount,
                    "reason": "cover_overdraft",
                    "layer": "strategic",
                    "balance_before": bank.balance,
                    "posted_collateral_before": 0,
                    "posted_collateral_after": bank.collateral,
                    "available_capacity_after": bank.balance + bank.collateral,
                }
            )
        tight = 1.0 if queued_by[bank.name] else 0.0
        if tight != bank.mode:
            sim.emit(
                "StateRegisterSet",
                tick,
                agent_id=bank.name,
                register_key="tight",
                old_value=bank.mode,
                new_value=tight,
                reason="queue_changed",
                decision_path="root/queue",
            )
            bank.mode = tight
        accrued = {
            "liquidity_cost": max(0, -bank.balance) * OVERDRAFT_BPS // 10_000,
            "delay_cost": DELAY_COST_PER_TICK
            * (queued_by[bank.name] + len(sim.pending[bank.name])),
            "collateral_cost": bank.collateral * COLLATERAL_BPS // 10_000,
            "penalty_cost": 0,
            "split_friction_cost": 0,
        }
        previous = dict(bank.costs)
        for key, value in accrued.items():
            bank.costs[key] = bank.costs.get(key, 0) + value
        sim.emit(
            "CostAccrual",
            tick,
            agent_id=bank.name,
            costs={**accrued, "total": sum(accrued.values())},
        )
        sim.out.tables["tick_agent_states"].append(
            {
                "agent_id": bank.name,
                "tick": tick,
                "day": day,
                "balance": bank.balance,
                "balance_change": 0,
                "unsecured_cap": 0,
                "posted_collateral": bank.collateral,
                **{k: bank.costs.get(k, 0) for k in accrued},
                **{f"{k}_delta": bank.costs.get(k, 0) - previous.get(k, 0) for k in accrued},
            }
        )


def end_of_day(sim: RtgsState, tick: int) -> None:
    day = tick // sim.ticks_per_day
    unsettled = [t for t in sim.out.transactions if t["status"] in ("pending", "overdue")]
    sim.emit(
        "EndOfDay",
        tick,
        day=day,
        unsettled_count=len(unsettled),
        total_penalties=sum(b.costs.get("penalty_cost", 0) for b in sim.banks.values()),
    )
    for bank in sim.banks.values():
        # The day's own costs, as the real simulator reports them (its
        # accumulated costs restart each day): a run's cost is their sum.
        day_costs = {k: v - bank.costs_before_day.get(k, 0) for k, v in bank.costs.items()}
        bank.costs_before_day = dict(bank.costs)
        costs = {
            k: day_costs.get(k, 0)
            for k in ("liquidity_cost", "delay_cost", "collateral_cost", "split_friction_cost")
        }
        sim.out.tables["daily_agent_metrics"].append(
            {
                "agent_id": bank.name,
                "day": day,
                "opening_balance": bank.balance,
                "closing_balance": bank.balance,
                "min_balance": bank.balance,
                "max_balance": bank.balance,
                "unsecured_cap": 0,
                "peak_overdraft": max(0, -bank.balance),
                "closing_posted_collateral": bank.collateral,
                **costs,
                "deadline_penalty_cost": day_costs.get("penalty_cost", 0),
                "total_cost": sum(day_costs.values()),
            }
        )
