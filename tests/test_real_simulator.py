"""A short run of the real simulator (aerugo/SimCash's Rust core), recorded:
skipped unless ``payment_simulator_core_rs`` is installed (its wheel is in
../shared/simcash-upstream; it is never a dependency)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from simcash_db import DatabaseManager, record_run
from strategies import typed

simulator = pytest.importorskip(
    "payment_simulator_core_rs",
    reason="the real simulator is not installed (pip install its wheel from "
    "../shared/simcash-upstream)",
)

UPSTREAM = Path(os.environ.get("SIMCASH_UPSTREAM", Path(__file__).parents[2] / "shared"
                / "simcash-upstream"))  # fmt: skip


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    scenario = UPSTREAM / "scenario_fast.json"
    if not scenario.exists():
        pytest.skip(f"no {scenario} (set SIMCASH_UPSTREAM to the simulator's folder)")
    monkeypatch.chdir(UPSTREAM)  # the scenario names its policy files from there
    return {**json.loads(scenario.read_text()), "num_days": 3}


def test_a_recorded_real_run_is_what_the_simulator_emitted(
    db: DatabaseManager, config: dict[str, Any]
) -> None:
    orchestrator = simulator.Orchestrator.new(config)
    run = record_run(db, orchestrator, config, simulation_id="real")
    assert run.status == "completed"
    emitted = orchestrator.get_all_events()
    assert len(emitted) > 1000
    # Every event, in emission order, as the simulator gave it.
    assert typed(db.get_events("real")) == typed(emitted)
    # The transactions: the simulator's final rows, under the run's id.
    final = [
        {**row, "simulation_id": "real"}
        for day in range(config["num_days"])
        for row in orchestrator.get_transactions_for_day(day)
    ]
    assert run.total_transactions == len(final)
    cursor = db.conn.execute("SELECT * FROM transactions WHERE simulation_id = 'real'")
    names = [d[0] for d in cursor.description]
    stored = {
        row[names.index("tx_id")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()
    }
    assert len(stored) == len(final)
    for row in final:
        assert {k: stored[row["tx_id"]][k] for k in row} == row
    metrics = db.conn.execute(
        "SELECT count(*), sum(total_cost) FROM daily_agent_metrics WHERE simulation_id = 'real'"
    ).fetchone()
    expected = [
        m for d in range(config["num_days"]) for m in orchestrator.get_daily_agent_metrics(d)
    ]
    assert metrics == (len(expected), sum(m["total_cost"] for m in expected))
    assert run.total_cost == metrics[1]
