"""The liquidity-saving mechanism: bilateral offsets and three-bank cycles
of queued payments, settled when every net payer can pay."""

from __future__ import annotations

from simcash_db.workload.rtgs.state import Row, RtgsState


def lsm(sim: RtgsState, tick: int) -> None:
    by_pair: dict[tuple[str, str], Row] = {}
    for tx in sim.queue:
        by_pair.setdefault((tx["sender_id"], tx["receiver_id"]), tx)
    done: set[str] = set()
    for (a, b), tx in sorted(by_pair.items()):
        back = by_pair.get((b, a))
        if back is None or tx["tx_id"] in done or back["tx_id"] in done:
            continue
        net = tx["amount"] - back["amount"]
        payer = sim.banks[a] if net > 0 else sim.banks[b]
        if payer.balance + payer.collateral < abs(net):
            continue
        sim.settle(tx, tick)
        sim.settle(back, tick)
        done |= {tx["tx_id"], back["tx_id"]}
        sim.emit(
            "LsmBilateralOffset",
            tick,
            agent_a=a,
            agent_b=b,
            tx_ids=[tx["tx_id"], back["tx_id"]],
            amount_a=tx["amount"],
            amount_b=back["amount"],
            amount=min(tx["amount"], back["amount"]),
        )
        sim.out.tables["lsm_cycles"].append(
            {
                "tick": tick,
                "day": tick // sim.ticks_per_day,
                "cycle_type": "bilateral",
                "cycle_length": 2,
                "agents": [a, b],
                "transactions": [tx["tx_id"], back["tx_id"]],
                "settled_value": tx["amount"] + back["amount"],
                "total_value": tx["amount"] + back["amount"],
                "tx_amounts": [tx["amount"], back["amount"]],
            }
        )
    sim.queue = [tx for tx in sim.queue if tx["tx_id"] not in done]
    lsm_cycle(sim, tick)


def lsm_cycle(sim: RtgsState, tick: int) -> None:
    """Settles one A->B->C->A cycle of queued payments if every net payer can pay."""
    first: dict[tuple[str, str], Row] = {}
    for tx in sim.queue:
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
                sim.banks[n].balance + sim.banks[n].collateral < -v
                for n, v in zip(agents, net, strict=True)
            ):
                continue
            for tx in cycle:
                sim.settle(tx, tick)
            amounts = [tx["amount"] for tx in cycle]
            outflow = max(-v for v in net)
            sim.emit(
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
            sim.out.tables["lsm_cycles"].append(
                {
                    "tick": tick,
                    "day": tick // sim.ticks_per_day,
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
            sim.queue = [tx for tx in sim.queue if tx["tx_id"] not in settled]
            return
