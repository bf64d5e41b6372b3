"""Replay benchmark: one run read back every way, ratios from one run.

    python benches/replay.py                    # 1 M events (the README's table)
    python benches/replay.py --events 200000    # quicker

Prints events/s of
  (r1) DatabaseManager.get_events, (r2) iter_events, (r3) `simcash-db replay`
       to /dev/null (a subprocess, start-up included);
  (p1) the same query's fetchall() + json.loads per row, (p2) + orjson.loads;
  (f)  the floor: DuckDB handing over the same three columns as Arrow;
  (m)  marshal.loads of the same events: CPython building the same objects
       from its own fastest format, the bound of any reader that makes dicts;
  (w)  write_events, (s) EventWriter fed 1,000 events at a time;
and the peak memory of iter_events over two run lengths. Paths take turns,
best of --repeats, so drift during the run touches all alike.
"""

from __future__ import annotations

import argparse
import itertools
import json
import marshal
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from ingest import SIM, TICKS_PER_DAY, fresh_db, peak_rss_mib
from simcash_db import DatabaseManager
from simcash_db.workload import catalog_events

FEED = 1_000  # events per EventWriter.extend, as a simulator hands them over
# DuckDB's block cache, capped below the smaller run's size, so that in both
# runs it fills to the same cap and what grows with the run's length is the
# reader's own memory. At 64MB the 1 M-event file (29 MB) never filled it:
# duckdb_memory() held 23 MiB of table blocks after the 1 M replay and 49 MiB
# after the 3 M one, the whole of the 1.11x then measured.
MEMORY_LIMIT = "32MB"
SELECT = (
    "SELECT event_type, tick, details FROM simulation_events "
    "WHERE simulation_id = ? ORDER BY event_seq"
)


def best_interleaved(repeats: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(taken) for name, taken in times.items()}


def iter_child(path: str) -> None:
    """Replays the run in ``path`` with iter_events; prints peak RSS in MiB."""
    with DatabaseManager(path, read_only=True) as db:
        db.conn.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        count = sum(1 for _ in db.iter_events(SIM))
        cached = db.conn.execute(
            "SELECT sum(memory_usage_bytes) / 2**20 FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
        ).fetchall()[0][0]
    print(json.dumps({"events": count, "peak_mib": peak_rss_mib(), "cache_mib": cached}))


def iter_peak(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--iter-child", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iter-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.iter_child:
        iter_child(args.iter_child)
        return

    events = list(catalog_events(42, args.events, ticks_per_day=TICKS_PER_DAY))
    n = len(events)
    command = Path(sys.executable).parent / "simcash-db"
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        stored = directory / "stored.duckdb"
        with fresh_db(directory, "stored") as db:
            db.write_events(SIM, events)
        reader = DatabaseManager(stored, read_only=True)

        fresh = itertools.count()  # each write into a database of its own

        def write_all() -> None:
            with fresh_db(directory, f"w{next(fresh)}") as db:
                db.write_events(SIM, events)

        def stream_all() -> None:
            with fresh_db(directory, f"s{next(fresh)}") as db, db.event_writer(SIM) as writer:
                for start in range(0, n, FEED):
                    writer.extend(events[start : start + FEED])

        def fetch_json(loads: Callable[[str], Any]) -> list[dict[str, Any]]:
            rows = reader.conn.execute(SELECT, [SIM]).fetchall()
            return [{"event_type": t, "tick": k, **loads(d)} for t, k, d in rows]

        def replay_command() -> None:
            with open(os.devnull, "wb") as sink:
                subprocess.run([command, "--db", stored, "replay", SIM], stdout=sink, check=True)

        def iterate() -> None:
            for _ in reader.iter_events(SIM):
                pass

        def floor() -> None:
            pa.RecordBatchReader.from_stream(reader.conn.sql(SELECT, params=[SIM])).read_all()

        marshalled = marshal.dumps(events)
        checked = reader.get_events(SIM)
        assert checked == fetch_json(orjson.loads) == events, "the paths disagree"
        del checked
        times = best_interleaved(
            args.repeats,
            {
                "r1": lambda: reader.get_events(SIM),
                "r2": iterate,
                "r3": replay_command,
                "p1": lambda: fetch_json(json.loads),
                "p2": lambda: fetch_json(orjson.loads),
                "f": floor,
                "m": lambda: marshal.loads(marshalled),
                "w": write_all,
                "s": stream_all,
            },
        )
        reader.close()

        # Memory of a replay: the same run shape at two lengths, each replayed
        # in a process of its own.
        small, large = directory / "m1.duckdb", directory / "m3.duckdb"
        for path, count in ((small, n), (large, 3 * n)):
            with fresh_db(directory, path.stem) as db, db.event_writer(SIM) as writer:
                writer.extend(catalog_events(7, count, ticks_per_day=TICKS_PER_DAY))
        peak_small, peak_large = iter_peak(small), iter_peak(large)

    rate = {name: n / taken for name, taken in times.items()}
    labels = {
        "r1": "(r1) get_events",
        "r2": "(r2) iter_events",
        "r3": "(r3) `simcash-db replay` > /dev/null (a process, start-up included)",
        "p1": "(p1) fetchall() + json.loads per row",
        "p2": "(p2) fetchall() + orjson.loads per row",
        "f": "(f) floor: the three columns as Arrow, nothing decoded",
        "m": "(m) bound: marshal.loads of the same dicts (CPython's fastest build)",
        "w": "(w) write_events",
        "s": f"(s) EventWriter, {FEED:,} events per extend",
    }
    print(
        f"workload: {n:,} catalog events (34 types), seed 42, on-disk DuckDB "
        f"{__import__('duckdb').__version__}, {len(os.sched_getaffinity(0))} cores, "
        f"best of {args.repeats}, paths in turns"
    )
    print()
    print("| path | events/s | s |")
    print("|---|---:|---:|")
    for name, label in labels.items():
        print(f"| {label} | {rate[name]:,.0f} | {times[name]:.3f} |")
    print()

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    r1_p2 = rate["r1"] / rate["p2"]
    s_w = rate["s"] / rate["w"]
    growth = peak_large["peak_mib"] / peak_small["peak_mib"]
    print("| ratio | value | target |")
    print("|---|---:|---|")
    print(f"| (r1)/(p2) | {r1_p2:.1f}x | 3x: {verdict(r1_p2 >= 3)} |")
    print(f"| (r1)/(w) | {rate['r1'] / rate['w']:.2f} | 1.0: {verdict(rate['r1'] >= rate['w'])} |")
    print(f"| (r1)/(m) | {rate['r1'] / rate['m']:.2f} | (how close to CPython's own build) |")
    print(f"| (r3) events/s | {rate['r3']:,.0f} | compare with the old replay, README |")
    print(f"| (s)/(w) | {s_w:.2f} | 0.9: {verdict(s_w >= 0.9)} |")
    print(
        f"| iter_events peak RSS, {n:,} -> {3 * n:,} events (memory_limit {MEMORY_LIMIT}) | "
        f"{peak_small['peak_mib']:,.0f} -> {peak_large['peak_mib']:,.0f} MiB ({growth:.2f}x; "
        f"DuckDB's table cache {peak_small['cache_mib']:.0f} -> "
        f"{peak_large['cache_mib']:.0f} MiB) | "
        f"within 1.10x: {verdict(growth <= 1.10)} |"
    )


if __name__ == "__main__":
    main()
