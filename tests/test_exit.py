"""A program that exits without closing anything exits (duckdb 2.0.0 could hang)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = """
import sys
from factories import make_run
from simcash_db import DatabaseManager

db = DatabaseManager(sys.argv[1])
db.setup()
db.save_simulation_run(make_run("r"))
writer = db.event_writer("r")
writer.extend([{"event_type": "A", "tick": t} for t in range(300_000)])
writer.sync()
replay = db.iter_events("r")
next(replay)  # a replay half read
stream = db.query_events("r").__arrow_c_stream__()  # an Arrow stream half read
print("done", flush=True)
"""


def test_exit_with_everything_open_does_not_hang(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path / "open.duckdb")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent,
        env={"PYTHONPATH": str(Path(__file__).parent)},
    )
    assert (done.returncode, done.stdout) == (0, "done\n"), done.stderr
