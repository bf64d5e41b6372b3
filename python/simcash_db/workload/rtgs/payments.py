"""Payments through the synthetic RTGS: arrivals, the banks' release policy,
submission, and the release of queued payments when liquidity arrives."""

from __future__ import annotations

from simcash_db.workload.rtgs.state import Row, RtgsState


def arrivals(sim: RtgsState, tick: int) -> None:
    for bank in sim.banks.values():
        for _ in range(sim.rng.choice((0, 0, 1, 1, 2))):
            sim.next_tx += 1
            receiver = sim.rng.choice([b for b in sim.banks if b != bank.name])
            tx = {
                "tx_id": f"tx{sim.next_tx:07d}",
                "sender_id": bank.name,
                "receiver_id": receiver,
                "amount": sim.rng.randrange(50_000, 1_500_000),
                "priority": sim.rng.randrange(10),
                "is_divisible": False,
                "arrival_tick": tick,
                "arrival_day": tick // sim.ticks_per_day,
                "deadline_tick": tick + sim.rng.randrange(5, 3 * sim.ticks_per_day),
                "status": "pending",
            }
            sim.out.transactions.append(tx)
            sim.pending[bank.name].append(tx)
            sim.emit(
                "Arrival",
                tick,
                tx_id=tx["tx_id"],
                sender_id=bank.name,
                receiver_id=receiver,
                amount=tx["amount"],
                deadline=tx["deadline_tick"],
                priority=tx["priority"],
                is_divisible=False,
            )


def release_decisions(sim: RtgsState, tick: int) -> None:
    for bank in sim.banks.values():
        still_held = []
        for tx in sim.pending[bank.name]:
            if bank.balance + bank.collateral >= bank.threshold * tx["amount"]:
                sim.emit("PolicySubmit", tick, agent_id=bank.name, tx_id=tx["tx_id"])
                tx["rtgs_submission_tick"] = tick
                tx["rtgs_priority"] = "Urgent" if tx["priority"] >= 8 else "Normal"
                sim.emit(
                    "RtgsSubmission",
                    tick,
                    tx_id=tx["tx_id"],
                    sender=bank.name,
                    receiver=tx["receiver_id"],
                    amount=tx["amount"],
                    internal_priority=tx["priority"],
                    rtgs_priority=tx["rtgs_priority"],
                )
                submit(sim, tx, tick)
            else:
                tx["queue1_ticks"] = tx.get("queue1_ticks", 0) + 1
                sim.emit(
                    "PolicyHold",
                    tick,
                    agent_id=bank.name,
                    tx_id=tx["tx_id"],
                    reason="below_liquidity_threshold",
                )
                still_held.append(tx)
        sim.pending[bank.name] = still_held


def submit(sim: RtgsState, tx: Row, tick: int) -> None:
    sender = sim.banks[tx["sender_id"]]
    if sender.balance + sender.collateral >= tx["amount"]:
        before = sender.balance
        sim.settle(tx, tick)
        sim.emit(
            "RtgsImmediateSettlement",
            tick,
            tx_id=tx["tx_id"],
            sender=sender.name,
            receiver=tx["receiver_id"],
            amount=tx["amount"],
            sender_balance_before=before,
            sender_balance_after=sender.balance,
        )
    else:
        sim.queue.append(tx)
        sim.emit("QueuedRtgs", tick, tx_id=tx["tx_id"], sender_id=sender.name)


def process_queue(sim: RtgsState, tick: int) -> None:
    waiting = []
    for tx in sim.queue:
        tx["queue2_ticks"] = tx.get("queue2_ticks", 0) + 1
        sender = sim.banks[tx["sender_id"]]
        if sender.balance + sender.collateral >= tx["amount"]:
            sim.settle(tx, tick)
            sim.emit(
                "Queue2LiquidityRelease",
                tick,
                tx_id=tx["tx_id"],
                sender=sender.name,
                receiver=tx["receiver_id"],
                amount=tx["amount"],
                queue_wait_ticks=tick - tx["rtgs_submission_tick"],
                release_reason="liquidity_available",
            )
        else:
            waiting.append(tx)
    sim.queue = waiting
