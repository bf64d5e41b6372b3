"""Recording overhead: the synthetic RTGS run bare and under record_run, in turns.

    python benches/overhead.py               # the README's table (4- and 10-day runs)
    python benches/overhead.py --days 2      # quicker

Prints the wall time of the same run (same seed) driven tick by tick alone,
and driven by ``record_run`` into an on-disk database (events through the
streaming writer, day rows, transactions at the end, the run row), the best
of several rounds each, and the overhead. The real simulator makes 3,500 to
77,000 events per second (../shared/simulator.md); the synthetic one runs at
the rate printed, and the overhead of recording is about a fixed cost per
event, so a slower simulator pays a smaller share.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from simcash_db import DatabaseManager, record_run
from simcash_db.workload.orchestrator import SyntheticOrchestrator, pyo3_objects


class Paced(SyntheticOrchestrator):
    """The synthetic RTGS run as the real simulator runs: each tick takes
    ``rate`` events per second of wall time, spinning (holding the GIL, as a
    simulator's compute does) for what its own work leaves, and its events
    are handed over as PyO3 builds them, a new dict of new strs each
    (``pyo3_objects``): with keys shared between dicts, as Python literals
    are, the encoder takes about a third less time than with SimCash's
    output (141 against 206 ns per event on this workload)."""

    rate = 0.0

    def tick(self) -> dict[str, Any]:
        start = time.perf_counter()
        ran = super().tick()
        # Built within the tick's time: the real simulator's rate counts the
        # building of its event dicts.
        self._handed = pyo3_objects(super().get_tick_events(ran["tick"]))
        if self.rate:
            deadline = start + len(self._handed) / self.rate
            while time.perf_counter() < deadline:
                pass
        return ran

    def get_tick_events(self, tick: int) -> list[dict[str, Any]]:
        if tick == self.next_tick - 1:
            return self._handed
        return list(pyo3_objects(super().get_tick_events(tick)))


def bare(config: dict[str, int]) -> int:
    sim = Paced.new(config)
    events = 0
    for _ in range(config["ticks_per_day"] * config["num_days"]):
        ran = sim.tick()
        events += len(sim.get_tick_events(ran["tick"]))
    for day in range(config["num_days"]):
        sim.get_daily_agent_metrics(day)
        sim.get_transactions_for_day(day)
    return events


def recorded(config: dict[str, int], db: DatabaseManager, simulation_id: str) -> None:
    record_run(db, Paced.new(config), config, simulation_id=simulation_id)


def measure(config: dict[str, int], rounds: int) -> tuple[int, float, float]:
    """Events, and the best bare and recorded times of ``rounds`` turns."""
    events = bare(config)
    times: dict[str, list[float]] = {"bare": [], "recorded": []}
    # The database is opened once, as a runner does for its many runs: what
    # is timed is the run, bare or recorded.
    with tempfile.TemporaryDirectory() as tmp, DatabaseManager(Path(tmp) / "o.duckdb") as db:
        db.setup()
        for attempt in range(rounds):
            start = time.perf_counter()
            bare(config)
            times["bare"].append(time.perf_counter() - start)
            start = time.perf_counter()
            recorded(config, db, f"run-{attempt}")
            times["recorded"].append(time.perf_counter() - start)
    return events, min(times["bare"]), min(times["recorded"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, default=25)
    parser.add_argument("--ticks-per-day", type=int, default=100)
    parser.add_argument(
        "--days", type=int, nargs="+", default=[4, 10], help="run lengths (default: 4 10)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--rate",
        type=float,
        default=77_000,
        help="events per second of simulation work (default: the real simulator's fastest "
        "scenario, where recording weighs most; 0 runs the synthetic RTGS flat out)",
    )
    args = parser.parse_args()
    Paced.rate = args.rate
    print(
        f"workload: synthetic RTGS, {args.banks} banks, {args.ticks_per_day} ticks/day, seed 42, "
        f"paced to {args.rate:,.0f} events/s of simulation work; best of {args.rounds}, in turns"
    )
    print()
    print("| run | events | bare s | recorded s | overhead | per event |")
    print("|---|---:|---:|---:|---:|---:|")
    for days in args.days:
        config = {"ticks_per_day": args.ticks_per_day, "num_days": days, "rng_seed": 42,
                  "banks": args.banks}  # fmt: skip
        events, t_bare, t_recorded = measure(config, args.rounds)
        overhead = t_recorded / t_bare - 1
        per_event = (t_recorded - t_bare) / events * 1e6
        print(
            f"| {args.banks} banks, {args.ticks_per_day} ticks/day, {days} days | {events:,} | "
            f"{t_bare:.3f} | {t_recorded:.3f} | {overhead:.1%} "
            f"({'met' if overhead <= 0.03 else 'NOT met'}) | {per_event:.2f} µs |"
        )
    print()
    print("target: at most 3% (per event: time the simulator's thread pays per event recorded)")


if __name__ == "__main__":
    main()
