"""Child process: commits small batches (each lands in the WAL), then kills itself.

Usage: python wal_writer.py DB BATCHES. Leaves the WAL un-checkpointed.
"""

from __future__ import annotations

import os
import signal
import sys

from factories import make_run
from simcash_db import DatabaseManager


def main() -> None:
    path, batches = sys.argv[1], int(sys.argv[2])
    db = DatabaseManager(path)
    db.setup()
    db.conn.execute("CHECKPOINT")
    db.save_simulation_run(make_run("wal-run"))
    db.conn.execute("CHECKPOINT")
    for k in range(batches):
        events = [{"event_type": "W", "tick": k, "i": i} for i in range(50)]
        db.write_events("wal-run", events, batch_id=f"b{k}")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # no checkpoint on the way out


if __name__ == "__main__":
    main()
