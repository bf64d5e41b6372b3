"""A small deterministic RTGS simulation whose events and rows agree.

Banks receive payments to send; a release policy (a liquidity threshold per
bank) submits or holds them; the RTGS settles what the sender can cover and
queues the rest; queued payments are released when liquidity arrives, offset
bilaterally or in cycles by the LSM; banks post collateral when short; costs
accrue every tick and every day ends with an ``EndOfDay``. Same seed and
policy, same output: it drives the demo, the tests and the benchmarks.
"""

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
class _Bank:
    name: str
    balance: int
    threshold: float  # submit only if balance >= threshold * amount
    collateral: int = 0
    costs: dict[str, int] = field(default_factory=dict)
    mode: float = 0.0


class _Simulation:
    def __init__(self, seed: int, banks: int, ticks_per_day: int, thresholds: dict[str, float]):
        self.rng = random.Random(seed)
        self.ticks_per_day = ticks_per_day
        names = [f"BANK_{i:02d}" for i in range(banks)]
        self.banks = {
            n: _Bank(n, self.rng.randrange(300_000, 2_000_000), thresholds.get(n, 1.0))
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

    def arrivals(self, tick: int) -> None:
        for bank in self.banks.values():
            for _ in range(self.rng.choice((0, 0, 1, 1, 2))):
                self.next_tx += 1
                receiver = self.rng.choice([b for b in self.banks if b != bank.name])
                tx = {
                    "tx_id": f"tx{self.next_tx:07d}",
                    "sender_id": bank.name,
                    "receiver_id": receiver,
                    "amount": self.rng.randrange(50_000, 1_500_000),
                    "priority": self.rng.randrange(10),
                    "is_divisible": False,
                    "arrival_tick": tick,
                    "arrival_day": tick // self.ticks_per_day,
                    "deadline_tick": tick + self.rng.randrange(5, 3 * self.ticks_per_day),
                    "status": "pending",
                }
                self.out.transactions.append(tx)
                self.pending[bank.name].append(tx)
                self.emit(
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

    def release_decisions(self, tick: int) -> None:
        for bank in self.banks.values():
            still_held = []
            for tx in self.pending[bank.name]:
                if bank.balance + bank.collateral >= bank.threshold * tx["amount"]:
                    self.emit("PolicySubmit", tick, agent_id=bank.name, tx_id=tx["tx_id"])
                    tx["rtgs_submission_tick"] = tick
                    tx["rtgs_priority"] = "Urgent" if tx["priority"] >= 8 else "Normal"
                    self.emit(
                        "RtgsSubmission",
                        tick,
                        tx_id=tx["tx_id"],
                        sender=bank.name,
                        receiver=tx["receiver_id"],
                        amount=tx["amount"],
                        internal_priority=tx["priority"],
                        rtgs_priority=tx["rtgs_priority"],
                    )
                    self.submit(tx, tick)
                else:
                    tx["queue1_ticks"] = tx.get("queue1_ticks", 0) + 1
                    self.emit(
                        "PolicyHold",
                        tick,
                        agent_id=bank.name,
                        tx_id=tx["tx_id"],
                        reason="below_liquidity_threshold",
                    )
                    still_held.append(tx)
            self.pending[bank.name] = still_held

    def submit(self, tx: Row, tick: int) -> None:
        sender = self.banks[tx["sender_id"]]
        if sender.balance + sender.collateral >= tx["amount"]:
            before = sender.balance
            self.settle(tx, tick)
            self.emit(
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
            self.queue.append(tx)
            self.emit("QueuedRtgs", tick, tx_id=tx["tx_id"], sender_id=sender.name)

    def process_queue(self, tick: int) -> None:
        waiting = []
        for tx in self.queue:
            tx["queue2_ticks"] = tx.get("queue2_ticks", 0) + 1
            sender = self.banks[tx["sender_id"]]
            if sender.balance + sender.collateral >= tx["amount"]:
                self.settle(tx, tick)
                self.emit(
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
        self.queue = waiting
        self.lsm(tick)

    def lsm(self, tick: int) -> None:
        by_pair: dict[tuple[str, str], Row] = {}
        for tx in self.queue:
            by_pair.setdefault((tx["sender_id"], tx["receiver_id"]), tx)
        done: set[str] = set()
        for (a, b), tx in sorted(by_pair.items()):
            back = by_pair.get((b, a))
            if back is None or tx["tx_id"] in done or back["tx_id"] in done:
                continue
            net = tx["amount"] - back["amount"]
            payer = self.banks[a] if net > 0 else self.banks[b]
            if payer.balance + payer.collateral < abs(net):
                continue
            self.settle(tx, tick)
            self.settle(back, tick)
            done |= {tx["tx_id"], back["tx_id"]}
            self.emit(
                "LsmBilateralOffset",
                tick,
                agent_a=a,
                agent_b=b,
                tx_ids=[tx["tx_id"], back["tx_id"]],
                amount_a=tx["amount"],
                amount_b=back["amount"],
                amount=min(tx["amount"], back["amount"]),
            )
            self.out.tables["lsm_cycles"].append(
                {
                    "tick": tick,
                    "day": tick // self.ticks_per_day,
                    "cycle_type": "bilateral",
                    "cycle_length": 2,
                    "agents": [a, b],
                    "transactions": [tx["tx_id"], back["tx_id"]],
                    "settled_value": tx["amount"] + back["amount"],
                    "total_value": tx["amount"] + back["amount"],
                    "tx_amounts": [tx["amount"], back["amount"]],
                }
            )
        self.queue = [tx for tx in self.queue if tx["tx_id"] not in done]
        self.lsm_cycle(tick)

    def lsm_cycle(self, tick: int) -> None:
        """Settles one A->B->C->A cycle of queued payments if every net payer can pay."""
        first: dict[tuple[str, str], Row] = {}
        for tx in self.queue:
            first.setdefault((tx["sender_id"], tx["receiver_id"]), tx)
        for (a, b), ab in sorted(first.items()):
            for (b2, c), bc in sorted(first.items()):
                ca = first.get((c, a))
                if b2 != b or c == a or ca is None:
                    continue
                cycle = [ab, bc, ca]
                agents = [a, b, c]
                net = [
                    ca["amount"] - ab["amount"],
                    ab["amount"] - bc["amount"],
                    bc["amount"] - ca["amount"],
                ]
                if any(
                    self.banks[n].balance + self.banks[n].collateral < -v
                    for n, v in zip(agents, net, strict=True)
                ):
                    continue
                for tx in cycle:
                    self.settle(tx, tick)
                amounts = [tx["amount"] for tx in cycle]
                outflow = max(-v for v in net)
                self.emit(
                    "LsmCycleSettlement",
                    tick,
                    agents=agents,
                    tx_amounts=amounts,
                    total_value=sum(amounts),
                    net_positions=net,
                    max_net_outflow=max(outflow, 0),
                    max_net_outflow_agent=agents[[-v for v in net].index(outflow)],
                    tx_ids=[tx["tx_id"] for tx in cycle],
                    cycle_value=min(amounts),
                )
                self.out.tables["lsm_cycles"].append(
                    {
                        "tick": tick,
                        "day": tick // self.ticks_per_day,
                        "cycle_type": "multilateral",
                        "cycle_length": 3,
                        "agents": agents,
                        "transactions": [t["tx_id"] for t in cycle],
                        "settled_value": sum(amounts),
                        "total_value": sum(amounts),
                        "tx_amounts": amounts,
                        "net_positions": net,
                        "max_net_outflow": max(outflow, 0),
                        "max_net_outflow_agent": agents[[-v for v in net].index(outflow)],
                    }
                )
                settled = {tx["tx_id"] for tx in cycle}
                self.queue = [tx for tx in self.queue if tx["tx_id"] not in settled]
                return

    def collateral_and_costs(self, tick: int) -> None:
        day = tick // self.ticks_per_day
        queued_by = {name: 0 for name in self.banks}
        for tx in self.queue:
            queued_by[tx["sender_id"]] += 1
        for tx in self.out.transactions:
            if tx["status"] == "pending" and tick > tx["deadline_tick"]:
                tx.update(status="overdue", overdue_since_tick=tick)
                self.emit(
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
                self.banks[tx["sender_id"]].costs["penalty_cost"] = (
                    self.banks[tx["sender_id"]].costs.get("penalty_cost", 0) + DEADLINE_PENALTY
                )
        for bank in self.banks.values():
            if queued_by[bank.name] and bank.collateral == 0:
                amount = 1_000_000
                bank.collateral += amount
                self.emit(
                    "CollateralPost",
                    tick,
                    agent_id=bank.name,
                    amount=amount,
                    reason="cover_overdraft",
                    new_total=bank.collateral,
                )
                self.out.tables["collateral_events"].append(
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
                self.emit(
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
                * (queued_by[bank.name] + len(self.pending[bank.name])),
                "collateral_cost": bank.collateral * COLLATERAL_BPS // 10_000,
                "penalty_cost": 0,
                "split_friction_cost": 0,
            }
            previous = dict(bank.costs)
            for key, value in accrued.items():
                bank.costs[key] = bank.costs.get(key, 0) + value
            self.emit(
                "CostAccrual",
                tick,
                agent_id=bank.name,
                costs={**accrued, "total": sum(accrued.values())},
            )
            self.out.tables["tick_agent_states"].append(
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

    def end_of_day(self, tick: int) -> None:
        day = tick // self.ticks_per_day
        unsettled = [t for t in self.out.transactions if t["status"] in ("pending", "overdue")]
        self.emit(
            "EndOfDay",
            tick,
            day=day,
            unsettled_count=len(unsettled),
            total_penalties=sum(b.costs.get("penalty_cost", 0) for b in self.banks.values()),
        )
        for bank in self.banks.values():
            costs = {
                k: bank.costs.get(k, 0)
                for k in ("liquidity_cost", "delay_cost", "collateral_cost", "split_friction_cost")
            }
            self.out.tables["daily_agent_metrics"].append(
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
                    "deadline_penalty_cost": bank.costs.get("penalty_cost", 0),
                    "total_cost": sum(bank.costs.values()),
                }
            )


def simulate_run(
    seed: int,
    *,
    banks: int = 5,
    ticks_per_day: int = 20,
    days: int = 2,
    thresholds: dict[str, float] | None = None,
) -> SimulatedRun:
    """One run of ``banks`` banks over ``days`` days; deterministic in its arguments.

    ``thresholds`` is the release policy: a bank submits a payment only while
    its liquidity covers ``threshold * amount`` (1.0 when not given).
    """
    sim = _Simulation(seed, banks, ticks_per_day, thresholds or {})
    for tick in range(ticks_per_day * days):
        sim.arrivals(tick)
        sim.release_decisions(tick)
        sim.process_queue(tick)
        sim.collateral_and_costs(tick)
        if tick % ticks_per_day == ticks_per_day - 1:
            sim.end_of_day(tick)
    sim.out.costs_per_agent = {name: sum(b.costs.values()) for name, b in sim.banks.items()}
    return sim.out
