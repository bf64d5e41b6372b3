"""Child process of test_crash_safety: streams batches until it is killed.

Usage: python crash_writer.py DB SMALL LARGE CHECKPOINT_EVERY
Prints ``ack BATCH_ID SIZE`` only after the batch's commit has returned, and
``checkpoint`` right before a CHECKPOINT (every CHECKPOINT_EVERY batches; 0: never).
"""

from __future__ import annotations

import sys

from factories import make_run
from simcash_db import DatabaseManager

SIM = "crash-run"


def batch_size(k: int, small: int, large: int) -> int:
    return large if k % 4 == 3 else small  # every 4th batch takes DuckDB's direct-to-file path


def events(k: int, size: int) -> list[dict[str, object]]:
    return [
        {"event_type": "Crash", "tick": k, "batch": f"b{k}", "i": i, "amount": i}
        for i in range(size)
    ]


def main() -> None:
    path, small, large, checkpoint_every = sys.argv[1], *map(int, sys.argv[2:5])
    db = DatabaseManager(path)
    db.setup()
    if db.get_simulation_run(SIM) is None:
        db.save_simulation_run(make_run(SIM, ticks_per_day=10))
    with db.event_writer(SIM) as writer:
        k = 0
        while True:
            batch_id = f"b{k}"
            if batch_id not in writer.stored_batch_ids:
                size = batch_size(k, small, large)
                writer.write_batch(batch_id, events(k, size))
                writer.sync()
                print(f"ack {batch_id} {size}", flush=True)
                if checkpoint_every and k % checkpoint_every == checkpoint_every - 1:
                    print("checkpoint", flush=True)
                    db.conn.execute("CHECKPOINT")
            k += 1


if __name__ == "__main__":
    main()
