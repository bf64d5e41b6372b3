"""The storage-compression decision for JSON columns, measured in one run.

    python benches/compression.py [--events 1000000]

Appends the same 1 M encoded catalog events (a ready Arrow table) into an
on-disk ``simulation_events`` created by the schema's own DDL, once as the
models declare it (JSON columns ``USING COMPRESSION zstd``) and once with
DuckDB left to choose (dictionary + FSST for strings). Prints append wall and
CPU time, file size, and the time to read the details back and to filter on them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from simcash_db._native import encode_events
from simcash_db.encoding import event_layout
from simcash_db.models import SimulationEventRecord
from simcash_db.schema.ddl import create_table_sql
from simcash_db.workload import catalog_events

TICKS_PER_DAY = 100


def measure(ddl: str, ready: pa.Table, path: Path, repeats: int) -> dict[str, float]:
    best_wall, best_cpu = float("inf"), float("inf")
    for attempt in range(repeats):
        target = path.with_suffix(f".{attempt}.duckdb")
        with duckdb.connect(str(target)) as con:
            con.execute(ddl)
            con.register("ready", ready)
            wall, cpu = time.perf_counter(), time.process_time()
            con.execute("INSERT INTO simulation_events SELECT * FROM ready")
            best_wall = min(best_wall, time.perf_counter() - wall)
            best_cpu = min(best_cpu, time.process_time() - cpu)
            con.execute("CHECKPOINT")
    with duckdb.connect(str(target), read_only=True) as con:
        start = time.perf_counter()
        con.sql("SELECT details FROM simulation_events").to_arrow_table()
        read = time.perf_counter() - start
        start = time.perf_counter()
        con.sql("SELECT count(*) FROM simulation_events WHERE details LIKE '%BANK_B%'").fetchall()
        scan = time.perf_counter() - start
    return {
        "wall": best_wall,
        "cpu": best_cpu,
        "mib": os.path.getsize(target) / 2**20,
        "read": read,
        "scan": scan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    events = list(catalog_events(42, args.events, ticks_per_day=TICKS_PER_DAY))
    encoded, _ = encode_events(event_layout(), events, "bench-run", 0, TICKS_PER_DAY)
    ready = pa.table(encoded)
    del events, encoded

    (declared,) = create_table_sql(SimulationEventRecord)
    assert "USING COMPRESSION zstd" in declared
    layouts = {
        "JSON USING COMPRESSION zstd (the schema)": declared,
        "DuckDB's choice (dict + FSST)": declared.replace(" USING COMPRESSION zstd", ""),
    }
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, ddl) in enumerate(layouts.items()):
            results[name] = measure(ddl, ready, Path(tmp) / f"layout{i}", args.repeats)

    print(
        f"{len(ready):,} catalog events, on-disk DuckDB {duckdb.__version__}, "
        f"best of {args.repeats}"
    )
    print()
    print("| details column | append s | append CPU s | file MiB | read details s | LIKE scan s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['mib']:.0f} | "
            f"{r['read']:.3f} | {r['scan']:.3f} |"
        )


if __name__ == "__main__":
    main()
