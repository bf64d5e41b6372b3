"""The dashboard and a recording share one file: neither ever stops the other."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")

import pyarrow as pa
from starlette.testclient import TestClient

from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.live import VIEWER, advert_path
from simcash_db.serve import create_app
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

# A recording that starts while the dashboard holds the file: it opens the file
# for writing (the dashboard lets go), records an experiment, says "ready" and
# holds the file until its stdin closes.
RECORDER = """
import sys, time
from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.workload import ExperimentShape, run_synthetic_experiment
started = time.monotonic()
with DatabaseManager(sys.argv[1]) as db:
    print(f"opened {time.monotonic() - started:.3f}", flush=True)
    run_synthetic_experiment(ExperimentRecorder(db), "late", 9, ExperimentShape(2, 0, 3, 10, 1))
    print("ready", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "shared.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        shape = ExperimentShape(2, 0, 3, 10, 1)
        run_synthetic_experiment(ExperimentRecorder(db), "early", 1, shape)
    return path


def ids(client: TestClient) -> set[str]:
    table = client.get("/?format=json").json()["experiments"]
    return {row[0] for row in table["rows"]}


def test_a_recording_starts_while_the_dashboard_is_open_and_the_dashboard_follows(
    db_path: Path,
) -> None:
    with TestClient(create_app(db_path)) as client:
        assert ids(client) == {"early"}
        assert advert_path(db_path, VIEWER).exists()  # it holds the file, and says so
        with subprocess.Popen([sys.executable, "-c", RECORDER, str(db_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) as recorder:  # fmt: skip
            assert recorder.stdout is not None and recorder.stdin is not None
            opened = recorder.stdout.readline()
            assert opened.startswith("opened "), opened
            assert float(opened.split()[1]) < 5.0  # the dashboard let go at once
            assert recorder.stdout.readline() == "ready\n"
            assert ids(client) == {"early", "late"}  # answered by the recording process
            page = client.get("/experiments/late")
            assert page.status_code == 200 and "Cost curve" in page.text
            assert client.get("/runs/late-iter1-final?format=json").status_code == 200
            recorder.stdin.close()
            assert recorder.wait(timeout=60) == 0
        assert ids(client) == {"early", "late"}  # the file again, opened read-only
    assert not advert_path(db_path, VIEWER).exists()


@pytest.fixture
def server(db_path: Path) -> Iterator[tuple[str, int]]:
    with subprocess.Popen(
        [sys.executable, "-m", "simcash_db", "--db", str(db_path), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        yield host, int(port)
        process.terminate()
        process.wait(timeout=30)


def get(server: tuple[str, int], path: str) -> int:
    conn = http.client.HTTPConnection(*server, timeout=30)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


def test_clients_that_leave_mid_stream_disturb_nothing(
    server: tuple[str, int], db_path: Path
) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            assert get(server, "/") == 200
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    for path in ("/runs/early-iter1-final/events?format=arrow", "/live",
                 "/runs/early-iter1-final/events?format=csv"):  # fmt: skip
        for _ in range(5):
            conn = http.client.HTTPConnection(*server, timeout=30)
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.status == 200
            response.read1(64)  # what has come, then gone
            conn.sock.close()
            conn.close()
    assert get(server, "/experiments/early") == 200
    assert get(server, "/runs/early-iter1-final") == 200
    # What docs/serve.md tells a notebook to type.
    url = f"http://{server[0]}:{server[1]}/runs/early-iter1-final/events?format=arrow"
    with urllib.request.urlopen(url) as stream:
        events = pa.ipc.open_stream(stream).read_all()
    with DatabaseManager(db_path, read_only=True, share_reads=False) as db:
        stored = db.get_events("early-iter1-final")
    assert events.num_rows == len(stored) > 0
    # Nor a recording: the abandoned exports hold no read that keeps the file.
    with subprocess.Popen([sys.executable, "-c", RECORDER, str(db_path)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as recorder:  # fmt: skip
        assert recorder.stdout is not None
        opened = recorder.stdout.readline()
        assert opened.startswith("opened ") and float(opened.split()[1]) < 5.0, opened
        assert recorder.stdout.readline() == "ready\n"
        assert get(server, "/experiments/late") == 200
        recorder.communicate("")
        assert recorder.returncode == 0
