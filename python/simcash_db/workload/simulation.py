"""A small deterministic RTGS simulation whose events and rows agree.

Banks receive payments to send; a release policy (a liquidity threshold per
bank) submits or holds them; the RTGS settles what the sender can cover and
queues the rest; queued payments are released when liquidity arrives, offset
bilaterally or in cycles by the LSM; banks post collateral when short; costs
accrue every tick and every day ends with an ``EndOfDay``. Same seed and
policy, same output: it drives the demo, the tests and the benchmarks.
"""

from __future__ import annotations

from simcash_db.workload.rtgs.costs import collateral_and_costs, end_of_day
from simcash_db.workload.rtgs.lsm import lsm
from simcash_db.workload.rtgs.payments import arrivals, process_queue, release_decisions
from simcash_db.workload.rtgs.state import RtgsState, SimulatedRun

__all__ = ["SimulatedRun", "simulate_run"]


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
    sim = RtgsState(seed, banks, ticks_per_day, thresholds or {})
    for tick in range(ticks_per_day * days):
        arrivals(sim, tick)
        release_decisions(sim, tick)
        process_queue(sim, tick)
        lsm(sim, tick)
        collateral_and_costs(sim, tick)
        if tick % ticks_per_day == ticks_per_day - 1:
            end_of_day(sim, tick)
    sim.out.costs_per_agent = {name: sum(b.costs.values()) for name, b in sim.banks.items()}
    return sim.out
