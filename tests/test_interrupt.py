"""Ctrl-C during a long write: KeyboardInterrupt, and nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from simcash_db.writers.ingest import registered

CHILD = Path(__file__).with_name("interrupted_writer.py")


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
