"""What a DuckDB key costs the high-volume tables: the measurement behind leaving them out.

    python benches/keys.py     # 1 M catalog events, on disk, one run

Appends the same ready Arrow table into `simulation_events` as it is (no key),
with a PRIMARY KEY (simulation_id, event_seq), and with that key plus an index
on (simulation_id, tick), and prints rows/s and the slowdown of each.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pyarrow as pa

from ingest import SIM, TICKS_PER_DAY, fresh_db
from simcash_db._native import encode_events
from simcash_db.encoding import event_layout
from simcash_db.workload import catalog_events

VARIANTS = {
    "no key (what simcash-db does)": [],
    "PRIMARY KEY (simulation_id, event_seq)": [
        "ALTER TABLE simulation_events ADD PRIMARY KEY (simulation_id, event_seq)"
    ],
    "primary key + index (simulation_id, tick)": [
        "ALTER TABLE simulation_events ADD PRIMARY KEY (simulation_id, event_seq)",
        "CREATE INDEX events_by_tick ON simulation_events (simulation_id, tick)",
    ],
}


def main() -> None:
    events = list(catalog_events(42, 1_000_000, ticks_per_day=TICKS_PER_DAY))
    ready = pa.table(encode_events(event_layout(), events, SIM, 0, TICKS_PER_DAY)[0])
    print("| simulation_events layout | rows/s | slowdown |")
    print("|---|---:|---:|")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, ddl) in enumerate(VARIANTS.items()):
            with fresh_db(Path(tmp), f"k{n}") as db:
                for statement in ddl:
                    db.conn.execute(statement)
                db.conn.register("ready", ready)
                start = time.perf_counter()
                db.conn.execute("INSERT INTO simulation_events SELECT * FROM ready")
                elapsed = time.perf_counter() - start
            base = base or elapsed
            print(f"| {name} | {ready.num_rows / elapsed:,.0f} | {elapsed / base:.1f}x |")


if __name__ == "__main__":
    main()
