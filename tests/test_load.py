"""Load: readers during a long write, and a 10 M-event streaming write (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from factories import make_run
from simcash_db import DatabaseManager

BENCHES = Path(__file__).parents[1] / "benches"


def test_a_reader_during_a_long_write_sees_committed_batches_only(db_path: Path) -> None:
    batch, batches = 5_000, 30
    with DatabaseManager(db_path) as db:
        db.setup()
        db.save_simulation_run(make_run("long"))
        done = threading.Event()
        seen: list[int] = []

        def read() -> None:
            reader = db.conn.cursor()
            while not done.is_set():
                seen.append(
                    reader.execute(
                        "SELECT count(*) FROM simulation_events WHERE simulation_id = 'long'"
                    ).fetchall()[0][0]
                )
            reader.close()

        thread = threading.Thread(target=read)
        thread.start()
        try:
            with db.event_writer("long", batch_size=batch) as writer:
                for k in range(batches):
                    writer.extend({"event_type": "L", "tick": k, "i": i} for i in range(batch))
        finally:
            done.set()
            thread.join()
    assert len(seen) > 5
    assert all(count % batch == 0 for count in seen)  # never half a batch
    assert seen == sorted(seen)  # committed data never disappears
    assert max(seen) <= batch * batches


@pytest.mark.slow
def test_ten_million_events_stream_in_bounded_memory() -> None:
    """By hand: `make test-slow`. Peak RSS at 3 M and 10 M events is the same.

    The child caps DuckDB's buffer pool (benches/ingest.py) so that 3 M events fill it.
    """
    peaks = []
    for count in (3_000_000, 10_000_000):
        out = subprocess.run(
            [sys.executable, str(BENCHES / "ingest.py"), "--stream-child", str(count)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ},
        ).stdout
        peaks.append(json.loads(out.strip().splitlines()[-1])["peak_mib"])
    # The child asserts the exact row count; memory must not grow with the run's length.
    assert peaks[1] < peaks[0] * 1.1, peaks
