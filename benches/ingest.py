"""Ingest benchmark: one workload, every way of storing it, ratios from one run.

    python benches/ingest.py            # 1 M events (the README's table)
    python benches/ingest.py --events 200000 --stream-events 1000000   # quicker

Prints rows/s of
  (a) DatabaseManager.write_events into an on-disk database, end to end;
  (b) the floor: the same rows as a ready pyarrow table appended by DuckDB;
  (c) the best pure-Python alternative: columns built in Python, details by
      json.dumps, a pyarrow table, one INSERT;
  (d) row-by-row executemany with a UUID and json.dumps per row (a sample);
  (e) encoding alone, native vs the Python of (c), and native on the same
      events built as a PyO3 simulator hands them over (a new str for every
      key, SimCash's case; the catalog's dicts share Python's literal keys);
and the peak memory of streaming writes of two lengths.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from simcash_db import DatabaseManager, SimulationRunRecord
from simcash_db._native import encode_events
from simcash_db.encoding import event_layout
from simcash_db.workload import catalog_events
from simcash_db.workload.orchestrator import pyo3_objects
from simcash_db.writers import CHUNK_ROWS, DEFAULT_BATCH_SIZE

SIM = "bench-run"
TICKS_PER_DAY = 100
AGENT_KEYS = ("agent_id", "sender_id", "sender", "agent_a")


def fresh_db(directory: Path, name: str) -> DatabaseManager:
    db = DatabaseManager(directory / f"{name}.duckdb")
    db.setup()
    db.save_simulation_run(
        SimulationRunRecord(
            simulation_id=SIM,
            config_name="bench",
            config_hash="-",
            start_time=datetime(2026, 1, 1),
            ticks_per_day=TICKS_PER_DAY,
            num_days=1,
            rng_seed=1,
            status="running",
        )
    )
    return db


def python_columns(events: list[dict[str, Any]]) -> pa.Table:
    """(c)'s encoder: what a careful pure-Python writer does (and it checks nothing)."""
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "simulation_id",
            "event_seq",
            "tick",
            "day",
            "event_type",
            "agent_id",
            "tx_id",
            "details",
        )
    }
    dumps = json.dumps
    for seq, event in enumerate(events):
        tick = event["tick"]
        columns["simulation_id"].append(SIM)
        columns["event_seq"].append(seq)
        columns["tick"].append(tick)
        columns["day"].append(tick // TICKS_PER_DAY)
        columns["event_type"].append(event["event_type"])
        columns["agent_id"].append(next((event[k] for k in AGENT_KEYS if k in event), None))
        columns["tx_id"].append(event.get("tx_id"))
        columns["details"].append(
            dumps(
                {k: v for k, v in event.items() if k != "event_type" and k != "tick"},
                separators=(",", ":"),
            )
        )
    return pa.table(columns)


def best_interleaved(repeats: int, runs: tuple[Callable[[int], None], ...]) -> list[float]:
    """The best time of each of ``runs``, run in turns ``repeats`` times."""
    times: list[list[float]] = [[] for _ in runs]
    for attempt in range(repeats):
        for run, taken in zip(runs, times, strict=True):
            start = time.perf_counter()
            run(attempt)
            taken.append(time.perf_counter() - start)
    return [min(taken) for taken in times]


def registers_insert_time(directory: Path, events: list[dict[str, Any]], repeats: int) -> float:
    """The best time of the INSERT into agent_state_registers that (a) makes
    after its events, on its own: one DuckDB statement that (b) does not make."""
    _, registers = encode_events(event_layout(), events, SIM, 0, TICKS_PER_DAY)
    times = []
    for attempt in range(repeats):
        with fresh_db(directory, f"r{attempt}") as db:
            db.conn.register("registers", registers)
            db.conn.execute("BEGIN TRANSACTION")
            start = time.perf_counter()
            db.conn.execute("INSERT INTO agent_state_registers SELECT * FROM registers")
            times.append(time.perf_counter() - start)
            db.conn.execute("COMMIT")
    return min(times)


def best_of(repeats: int, run: Callable[[int], None]) -> float:
    times = []
    for attempt in range(repeats):
        start = time.perf_counter()
        run(attempt)
        times.append(time.perf_counter() - start)
    return min(times)


#: DuckDB's buffer pool caches written blocks up to 80% of RAM by default; the
#: streaming measurement caps it so that what remains is the writer's own memory.
STREAM_MEMORY_LIMIT = "64MB"


def peak_rss_mib() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across execve,
    so a child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_child(count: int, batch_size: int) -> None:
    """Writes ``count`` events through the streaming writer; prints peak RSS in MiB."""
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_db(Path(tmp), "stream")
        db.conn.execute(f"SET memory_limit = '{STREAM_MEMORY_LIMIT}'")
        baseline = peak_rss_mib()
        with db.event_writer(SIM, batch_size=batch_size) as writer:
            tick_events: list[dict[str, Any]] = []
            tick = 0
            for event in catalog_events(7, count, ticks_per_day=TICKS_PER_DAY):
                if event["tick"] != tick:  # hand over a tick at a time, as a simulator does
                    writer.extend(tick_events)
                    tick_events, tick = [], event["tick"]
                tick_events.append(event)
            writer.extend(tick_events)
        stored = db.table_counts()["simulation_events"]
        db.close()
        assert stored == count, (stored, count)
        print(json.dumps({"peak_mib": peak_rss_mib(), "baseline_mib": baseline}))


def stream_peak(count: int, batch_size: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--stream-child", str(count), "--batch-size", str(batch_size)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="rows for (d)")
    parser.add_argument("--stream-events", type=int, default=10_000_000)
    parser.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="the streaming writer's batch"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--stream-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        stream_child(args.stream_child, args.batch_size)
        return

    events = list(catalog_events(42, args.events, ticks_per_day=TICKS_PER_DAY))
    n = len(events)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        def run_a(i: int) -> None:
            with fresh_db(directory, f"a{i}") as db:
                db.write_events(SIM, events)

        encoded, _ = encode_events(event_layout(), events, SIM, 0, TICKS_PER_DAY)
        ready = pa.table(encoded)
        del encoded

        def run_b(i: int) -> None:
            with fresh_db(directory, f"b{i}") as db:
                db.conn.register("ready", ready)
                db.conn.execute("INSERT INTO simulation_events SELECT * FROM ready")

        def run_c(i: int) -> None:
            with fresh_db(directory, f"c{i}") as db:
                table = python_columns(events)
                db.conn.register("table_c", table)
                db.conn.execute("INSERT INTO simulation_events SELECT * FROM table_c")

        sample = events[: args.sample]

        def run_d(i: int) -> None:
            with fresh_db(directory, f"d{i}") as db:
                db.conn.execute(
                    "CREATE TABLE legacy_events (event_id VARCHAR PRIMARY KEY, simulation_id "
                    "VARCHAR, tick BIGINT, day BIGINT, event_type VARCHAR, details JSON)"
                )
                db.conn.executemany(
                    "INSERT INTO legacy_events VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            str(uuid.uuid4()),
                            SIM,
                            e["tick"],
                            e["tick"] // TICKS_PER_DAY,
                            e["event_type"],
                            json.dumps(e),
                        )
                        for e in sample
                    ],
                )

        # (a), (b) and (c) take turns, so a drift of the machine's speed during
        # the run (10-20% here) touches all three alike.
        t_a, t_b, t_c = best_interleaved(args.repeats, (run_a, run_b, run_c))
        t_d = best_of(1, run_d)
        t_native = best_of(
            args.repeats, lambda _: encode_events(event_layout(), events, SIM, 0, TICKS_PER_DAY)
        )
        built = pyo3_objects(events)
        t_pyo3 = best_of(
            args.repeats, lambda _: encode_events(event_layout(), built, SIM, 0, TICKS_PER_DAY)
        )
        t_python = best_of(args.repeats, lambda _: python_columns(events))
        t_registers = registers_insert_time(directory, events, args.repeats)

    # The shorter run must be long enough to fill DuckDB's capped cache, or it
    # measures the cache filling rather than the writer. With zstd details a
    # million events take about 25 MiB of blocks: 3 M fill 64 MB, not 192 MB
    # (which showed 354 -> 413 MiB from 3 M to 10 M, and 430 -> 432 without zstd).
    small = stream_peak(args.stream_events * 3 // 10, args.batch_size)
    large = stream_peak(args.stream_events, args.batch_size)

    rate = {"a": n / t_a, "b": n / t_b, "c": n / t_c, "d": len(sample) / t_d}
    print(
        f"workload: {n:,} catalog events (34 types), seed 42, on-disk DuckDB "
        f"{__import__('duckdb').__version__}, write_events chunk {CHUNK_ROWS:,}, "
        f"streaming batch {args.batch_size:,}, best of {args.repeats}"
    )
    print()
    print("| path | rows/s | ratio |")
    print("|---|---:|---:|")
    print(f"| (a) write_events, end to end | {rate['a']:,.0f} | 1.00 |")
    print(
        f"| (b) floor: ready Arrow table appended by DuckDB | {rate['b']:,.0f} | "
        f"(a)/(b) = {rate['a'] / rate['b']:.2f} |"
    )
    print(
        f"| (c) pure Python columns + json.dumps + pyarrow, one INSERT | {rate['c']:,.0f} | "
        f"(a)/(c) = {rate['a'] / rate['c']:.1f}x |"
    )
    print(
        f"| (d) executemany, UUID + json.dumps per row ({len(sample):,} rows) | "
        f"{rate['d']:,.0f} | (a)/(d) = {rate['a'] / rate['d']:,.0f}x |"
    )
    print(
        f"| (e) encode only: native | {n / t_native:,.0f} | "
        f"native/Python = {t_python / t_native:.1f}x |"
    )
    print(f"| (e) encode only: Python | {n / t_python:,.0f} | |")
    print(
        f"| (e) encode only: native, events as PyO3 builds them | {n / t_pyo3:,.0f} | "
        f"{t_pyo3 / t_native:.2f}x the time of shared keys |"
    )
    print()
    # (a) does all of (b)'s work plus the encoding, which holds the GIL but
    # shares the cores with DuckDB's append, plus the registers' INSERT,
    # which nothing can overlap (one connection runs one statement). With
    # no core ever idle, (a) takes at least t_b + t_native / cores + t_registers.
    cores = len(os.sched_getaffinity(0))
    ideal = t_b + t_native / cores + t_registers
    print(
        f"(a)'s ideal on {cores} cores: (b) {t_b:.3f} s + encode {t_native:.3f} s / {cores} "
        f"+ registers INSERT {t_registers:.3f} s = {ideal:.3f} s; "
        f"(a) took {t_a:.3f} s. Best (a)/(b) possible: {t_b / ideal:.2f}; "
        f"(a)/(c): {t_c / ideal:.1f}x."
    )
    print()
    print(
        f"| streaming write (event_writer), DuckDB memory_limit {STREAM_MEMORY_LIMIT} | peak RSS |"
    )
    print("|---|---:|")
    print(f"| {args.stream_events * 3 // 10:,} events | {small['peak_mib']:,.0f} MiB |")
    print(f"| {args.stream_events:,} events | {large['peak_mib']:,.0f} MiB |")


if __name__ == "__main__":
    main()
