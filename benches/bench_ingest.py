"""pytest-benchmark groups for the ingest paths; run with `make bench-pytest`.

In the normal suite they run once each as plain tests (``--benchmark-disable``),
which keeps them working; `benches/ingest.py` prints the ratio table.
"""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from ingest import SIM, TICKS_PER_DAY, fresh_db, python_columns
from simcash_db._native import encode_events
from simcash_db.encoding import event_layout
from simcash_db.workload import catalog_events

EVENTS = list(catalog_events(42, 20_000, ticks_per_day=TICKS_PER_DAY))
_names = count()


@pytest.mark.benchmark(group="encode")
def test_encode_native(benchmark: BenchmarkFixture) -> None:
    encoded, _ = benchmark(encode_events, event_layout(), EVENTS, SIM, 0, TICKS_PER_DAY)
    assert encoded.num_rows == len(EVENTS)


@pytest.mark.benchmark(group="encode")
def test_encode_python(benchmark: BenchmarkFixture) -> None:
    table = benchmark(python_columns, EVENTS)
    assert table.num_rows == len(EVENTS)


def _setup_db(tmp_path: Path) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (fresh_db(tmp_path, f"db{next(_names)}"),), {}


@pytest.mark.benchmark(group="ingest")
def test_write_events(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    def write(db: Any) -> None:
        db.write_events(SIM, EVENTS)
        db.close()

    benchmark.pedantic(write, setup=lambda: _setup_db(tmp_path), rounds=5)


@pytest.mark.benchmark(group="ingest")
def test_floor_ready_arrow_append(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    ready = pa.table(encode_events(event_layout(), EVENTS, SIM, 0, TICKS_PER_DAY)[0])

    def append(db: Any) -> None:
        db.conn.register("ready", ready)
        db.conn.execute("INSERT INTO simulation_events SELECT * FROM ready")
        db.close()

    benchmark.pedantic(append, setup=lambda: _setup_db(tmp_path), rounds=5)
