"""Ctrl-C during a long write: KeyboardInterrupt, and nothing half-written."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pytest

from simcash_db.interrupts import deferred_interrupts
from simcash_db.writers.ingest import registered

CHILD = Path(__file__).with_name("interrupted_writer.py")
LOOP = Path(__file__).with_name("interrupted_loop.py")


def interrupt_child(db_path: Path, call: str) -> dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(db_path), call],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    time.sleep(0.2)
    os.kill(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_ctrl_c_stops_write_events_and_stores_none_of_it(tmp_path: Path) -> None:
    # The encoder takes the signal between rows (DuckDB alone would notice it
    # only when its INSERT is over, and report a RuntimeError).
    report = interrupt_child(tmp_path / "db.duckdb", "write_events")
    assert report == {
        "ended": "KeyboardInterrupt",
        "stored": 0,
        "committed": None,
        "written": 10,
        "after": 10,
    }


def test_ctrl_c_stops_a_long_encode(tmp_path: Path) -> None:
    report = interrupt_child(tmp_path / "db.duckdb", "encode_events")
    assert report["ended"] == "KeyboardInterrupt"
    assert report["after"] == 10


def test_ctrl_c_keeps_the_streaming_writers_committed_batches(tmp_path: Path) -> None:
    report = interrupt_child(tmp_path / "db.duckdb", "event_writer")
    assert report["ended"] == "KeyboardInterrupt"
    # Whole batches only: what was committed before the signal stays, the
    # batch in flight included, and the writer counts it.
    assert report["stored"] % (2 * 122_880) == 0
    assert report["committed"] == report["stored"]
    assert report["after"] == report["stored"] + 10


def interrupt_loop(db_path: Path, call: str, trials: int) -> dict[str, Any]:
    """Interrupt the looping child ``trials`` times, each at a random moment
    of its writes, once it says it is ready for the next."""
    errors = db_path.with_suffix(".stderr")
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, str(LOOP), str(db_path), call, str(trials)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as child,
    ):
        assert child.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=read_lines, args=(child.stdout, lines), daemon=True)
        reader.start()
        rng = random.Random(trials)
        line = lines.get(timeout=60)
        for _ in range(trials):
            assert line.strip() == "ready", line
            time.sleep(rng.uniform(0.001, 0.04))
            while True:
                assert child.poll() is None, errors.read_text()
                child.send_signal(signal.SIGINT)
                try:
                    line = lines.get(timeout=5)
                    break
                except queue.Empty:
                    # Python drops a KeyboardInterrupt raised inside a weakref
                    # callback ("Exception ignored"): send the signal again.
                    continue
        assert child.wait(timeout=60) == 0, errors.read_text()
        reader.join()
    return dict(json.loads(line))


def read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


@pytest.mark.parametrize("call", ["write_events", "event_writer"])
def test_ctrl_c_at_any_moment_of_small_writes(tmp_path: Path, call: str) -> None:
    # Wherever the signal lands (encoding, INSERT, COMMIT, the ledger, a
    # writer's hand-over or close), the caller gets KeyboardInterrupt, each
    # batch is wholly stored or wholly absent, and the same manager takes
    # the run's next write with no repeated batch id and no gap in event_seq.
    report = interrupt_loop(tmp_path / "db.duckdb", call, trials=40)
    assert report["problems"] == []
    assert report["seen"] == {"KeyboardInterrupt": 40}


def test_a_failed_statement_on_a_registered_view_raises_its_own_error() -> None:
    # A failure aborts the transaction, after which DuckDB refuses even the
    # view's unregister; that refusal must not hide the failure.
    conn = duckdb.connect()
    conn.execute("CREATE TABLE numbers (n INTEGER)")
    conn.execute("BEGIN TRANSACTION")
    with (
        pytest.raises(duckdb.ConversionException),
        registered(conn, pa.table({"n": ["not a number"]})) as view,  # type: ignore[arg-type]
    ):
        conn.execute(f"INSERT INTO numbers SELECT n FROM {view}")
    with pytest.raises(duckdb.CatalogException):
        conn.execute(f"SELECT * FROM {view}")
    conn.execute("INSERT INTO numbers VALUES (1)")  # the aborted transaction is gone
    assert conn.execute("SELECT count(*) FROM numbers").fetchall() == [(1,)]


def test_ctrl_c_inside_a_deferred_step_lands_when_the_step_is_over() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        signal.raise_signal(signal.SIGINT)
        steps.append("finished")
    assert steps == ["finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
