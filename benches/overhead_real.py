"""Recording overhead on the real simulator (aerugo/SimCash's Rust core), in turns.

    python benches/overhead_real.py                  # the README's table
    python benches/overhead_real.py --rounds 3       # quicker
    python benches/overhead_real.py --days 20 40     # the run lengths

Drives ``payment_simulator_core_rs`` from ../shared/simcash-upstream on its
``scenario_fast.json`` (25 banks, 100 ticks a day) for each number of days
given, two ways on fresh orchestrators, alternating within each round:
plain, a loop that ticks and reads what a recording reads (each tick's
events, each day's metrics, collateral events and LSM cycles, the
transactions and system metrics at the end), and recorded, the same run
under ``record_run`` into an on-disk database, and the floor: the plain loop
plus the encoding any recorder must do in the simulator's process (each
tick's events, each day's rows, the transactions), with no database. Prints,
per run, the plain time and the median overhead of the recorded run and of
the floor, with their spread over the rounds (each round's time against the
plain time of the same round).

The simulator is not a dependency: without it, this says in one line how to
install it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from simcash_db import DatabaseManager, record_run
from simcash_db._native import EventBuffer
from simcash_db.encoding import event_layout
from simcash_db.simulator.tick_events import RUN_BATCH_EVENTS

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "simcash-upstream"
WHEEL = "payment_simulator_core_rs-0.1.0-cp311-cp311-manylinux_2_34_x86_64.whl"


def load_simulator() -> Any:
    try:
        import payment_simulator_core_rs  # type: ignore[import-not-found]
    except ImportError:
        sys.exit(
            "the real simulator is not installed: "
            f".venv/bin/pip install {UPSTREAM / WHEEL} (then run this again)"
        )
    return payment_simulator_core_rs


def plain(module: Any, config: dict[str, Any]) -> tuple[float, int]:
    """The run alone, reading what a recording reads; (seconds, events)."""
    start = time.perf_counter()
    orch = module.Orchestrator.new(config)
    per_day, days = config["ticks_per_day"], config["num_days"]
    events = 0
    for tick in range(per_day * days):
        orch.tick()
        events += len(orch.get_tick_events(tick))
        if (tick + 1) % per_day == 0:
            day = tick // per_day
            orch.get_daily_agent_metrics(day)
            orch.get_collateral_events_for_day(day)
            orch.get_lsm_cycles_for_day(day)
    for day in range(days):
        orch.get_transactions_for_day(day)
    orch.get_system_metrics()
    return time.perf_counter() - start, events


def recorded(module: Any, config: dict[str, Any], folder: Path, n: int) -> float:
    path = folder / f"run-{n}.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        start = time.perf_counter()
        orch = module.Orchestrator.new(config)
        record_run(db, orch, config, simulation_id=f"real-{n}")
        took = time.perf_counter() - start
    path.unlink()
    Path(f"{path}.wal").unlink(missing_ok=True)
    return took


def encoded_only(module: Any, config: dict[str, Any], encoder: DatabaseManager) -> float:
    """The floor: the plain loop, plus the encoding that any recorder does in
    the simulator's process (the dicts live there): each tick's events as they
    come, the transactions at the end. No database."""
    start = time.perf_counter()
    orch = module.Orchestrator.new(config)
    per_day, days = config["ticks_per_day"], config["num_days"]
    buffer = EventBuffer(event_layout(), "floor", 0, per_day, 0, RUN_BATCH_EVENTS)
    for tick in range(per_day * days):
        orch.tick()
        buffer.extend(orch.get_tick_events(tick))
        if buffer.rows >= RUN_BATCH_EVENTS:
            buffer.take()
        if (tick + 1) % per_day == 0:
            day = tick // per_day
            encoder.encode_tables(
                {
                    "daily_agent_metrics": orch.get_daily_agent_metrics(day),
                    "collateral_events": orch.get_collateral_events_for_day(day),
                    "lsm_cycles": orch.get_lsm_cycles_for_day(day),
                },
                simulation_id="floor",
                replace=True,
            )
    buffer.take()
    rows = [row for day in range(days) for row in orch.get_transactions_for_day(day)]
    encoder.encode_tables({"transactions": rows}, simulation_id="floor", replace=True)
    orch.get_system_metrics()
    return time.perf_counter() - start


def measure(module: Any, config: dict[str, Any], rounds: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {"plain": [], "recorded": [], "floor": []}
    events = 0
    with tempfile.TemporaryDirectory() as folder, DatabaseManager(":memory:") as encoder:
        recorded(module, config, Path(folder), -1)  # warm: imports, the first file

        def plain_run() -> float:
            nonlocal events
            took, events = plain(module, config)
            return took

        runs = {
            "plain": plain_run,
            "recorded": lambda n: recorded(module, config, Path(folder), n),
            "floor": lambda: encoded_only(module, config, encoder),
        }
        for n in range(rounds):
            # Turn the order each round, so that drift favours none of them.
            order = list(runs)[n % 3 :] + list(runs)[: n % 3]
            for name in order:
                times[name].append(runs[name](n) if name == "recorded" else runs[name]())
    return {"events": events, **times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[20, 40])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    module = load_simulator()
    config = json.loads((UPSTREAM / "scenario_fast.json").read_text())
    os.chdir(UPSTREAM)  # the simulator finds its policy files from here
    print(f"real simulator (payment_simulator_core_rs), scenario_fast.json, {args.rounds} rounds")
    print(
        f"{'run':>20} {'events':>8} {'plain s':>8} {'events/s':>9} "
        f"{'recorded':>9} {'spread':>17} {'floor':>9} {'spread':>17}"
    )
    for days in args.days:
        result = measure(module, {**config, "num_days": days}, args.rounds)
        bare = statistics.median(result["plain"])
        cells = []
        for name in ("recorded", "floor"):
            overheads = [u / b - 1 for u, b in zip(result[name], result["plain"], strict=True)]
            spread = f"{min(overheads):+.1%} .. {max(overheads):+.1%}"
            cells.append(f"{statistics.median(overheads):>+9.1%} {spread:>17}")
        print(
            f"{f'25 banks, {days} days':>20} {result['events']:>8,} {bare:>8.2f} "
            f"{result['events'] / bare:>9,.0f} {cells[0]} {cells[1]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
