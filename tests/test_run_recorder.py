"""Persisting a simulator's run in one call, with the real simulator's output
replayed by a fake that keeps its quirks (tests/fake_orchestrator.py)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fake_orchestrator import FakeOrchestrator, fixture_events, fixture_rows
from simcash_db import (
    CheckpointError,
    DatabaseManager,
    EncodeError,
    RunRecorder,
    SnapshotRepository,
    record_run,
)
from simcash_db.cli import cli
from simcash_db.simulator import Orchestrator
from simcash_db.simulator.tick_events import RUN_BATCH_EVENTS
from simcash_db.workload.orchestrator import SyntheticOrchestrator
from simcash_db.workload.simulation import simulate_run
from simcash_db.writers.switching import RECORDING_SWITCH_INTERVAL
from strategies import typed


def test_the_fake_follows_the_protocol() -> None:
    assert isinstance(FakeOrchestrator(), Orchestrator)


def test_one_call_records_a_real_run_exactly(db: DatabaseManager) -> None:
    orchestrator = FakeOrchestrator()
    run = record_run(db, orchestrator, orchestrator.config, simulation_id="lsm-t2",
                     description="fixture run")  # fmt: skip
    rows = fixture_rows()
    assert run.status == "completed"
    assert run.total_cost == sum(r["total_cost"] for r in rows["daily_agent_metrics"])
    assert run.total_cost == 16_981_667  # simulator.md: the run's total cost
    assert run.total_transactions == len(rows["transactions"])
    assert run.num_agents == 4 and run.rng_seed == 7 and run.description == "fixture run"
    stored = db.get_simulation_run("lsm-t2")
    assert stored is not None and stored.status == "completed"
    # Every event read back equals what the simulator emitted, in order.
    assert typed(db.get_events("lsm-t2")) == typed(fixture_events("lsm_t2"))
    # Transactions: the simulator's final rows, with the run's id for its own.
    got = _rows(db, "transactions")
    expected = sorted(
        ({**r, "simulation_id": "lsm-t2"} for r in rows["transactions"]), key=lambda r: r["tx_id"]
    )
    assert [{k: row[k] for k in expected[0]} for row in got] == expected
    counts = db.table_counts()
    assert counts["daily_agent_metrics"] == len(rows["daily_agent_metrics"])
    assert counts["lsm_cycles"] == len(rows["lsm_cycles"])
    ids = db.conn.execute("SELECT DISTINCT simulation_id FROM daily_agent_metrics").fetchall()
    assert ids == [("lsm-t2",)]
    # The policies at the start were snapshotted.
    assert SnapshotRepository(db).policy_at("lsm-t2", "BANK_A", 0) == {"type": "Fifo"}


def _rows(db: DatabaseManager, table: str) -> list[dict[str, Any]]:
    cursor = db.conn.execute(f"SELECT * FROM {table} ORDER BY tx_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_a_run_that_raises_halfway_is_failed_and_keeps_what_was_committed(
    db: DatabaseManager,
) -> None:
    orchestrator = FakeOrchestrator(fail_at_tick=60)
    with (
        pytest.raises(RuntimeError, match="failed at tick 60"),
        RunRecorder(db, orchestrator, orchestrator.config, simulation_id="broken") as rec,
    ):
        for _ in range(rec.total_ticks):
            rec.tick()
    run = db.get_simulation_run("broken")
    assert run is not None and run.status == "failed" and run.end_time is not None
    # Day 0 ended before the failure: its rows were committed and stay.
    assert db.table_counts()["daily_agent_metrics"] == 4
    stored = db.get_events("broken")
    assert stored == [e for e in fixture_events("lsm_t2") if e["tick"] < 60][: len(stored)]


def test_a_run_whose_end_cannot_be_stored_is_failed_with_its_events_kept(
    db: DatabaseManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    orchestrator = FakeOrchestrator()
    real = orchestrator.get_transactions_for_day

    def with_float_money(day: int) -> list[dict[str, Any]]:
        rows = [dict(row) for row in real(day)]
        if day == 1:
            rows[0]["amount"] = 1.5  # money is never a float
        return rows

    monkeypatch.setattr(orchestrator, "get_transactions_for_day", with_float_money)
    with pytest.raises(EncodeError, match="field 'amount'"):
        record_run(db, orchestrator, orchestrator.config, simulation_id="bad-end")
    run = db.get_simulation_run("bad-end")
    assert run is not None and run.status == "failed"
    assert len(db.get_events("bad-end")) == len(fixture_events("lsm_t2"))
    assert db.table_counts()["transactions"] == 0  # all of them, or none


def test_a_seed_beyond_bigint_is_refused_before_anything_is_written(db: DatabaseManager) -> None:
    orchestrator = FakeOrchestrator()
    config = {**orchestrator.config, "rng_seed": 2**64 - 1}
    with pytest.raises(ValueError, match=r"rng_seed .* beyond what simcash-db stores"):
        record_run(db, orchestrator, config, simulation_id="big-seed")
    assert db.get_simulation_run("big-seed") is None


def test_policy_changes_between_ticks_are_snapshotted_once(db: DatabaseManager) -> None:
    orchestrator = FakeOrchestrator()
    snapshots = SnapshotRepository(db)
    with RunRecorder(db, orchestrator, orchestrator.config, simulation_id="p") as rec:
        for tick in range(rec.total_ticks):
            rec.tick()
            if tick == 59:  # day 1
                policy = {"type": "FromJson", "json": '{"root": "release"}'}
                orchestrator.update_agent_policy("BANK_B", policy["json"])
                rec.policy_updated("BANK_B", policy)
                rec.policy_updated("BANK_B", policy)  # the same again: nothing new
    assert snapshots.policy_at("p", "BANK_B", 0) == {"type": "Fifo"}
    assert snapshots.policy_at("p", "BANK_B", 1)["type"] == "FromJson"
    count = db.conn.execute(
        "SELECT count(*) FROM policy_snapshots WHERE agent_id = 'BANK_B'"
    ).fetchall()
    assert count == [(2,)]


def test_checkpoints_round_trip_and_refuse_a_changed_state(db: DatabaseManager) -> None:
    orchestrator = FakeOrchestrator()
    snapshots = SnapshotRepository(db)
    with RunRecorder(
        db, orchestrator, orchestrator.config, simulation_id="cp", checkpoint_each_day=True
    ) as rec:
        for _ in range(rec.total_ticks):
            rec.tick()
    listed = snapshots.list_checkpoints("cp")
    assert [c.checkpoint_tick for c in listed] == [50, 100]
    assert [c.checkpoint_type for c in listed] == ["end_of_day", "end_of_day"]
    latest = snapshots.latest_checkpoint("cp")
    assert latest is not None
    state = json.loads(snapshots.load_checkpoint(latest.checkpoint_id))
    assert state["current_tick"] == 100
    assert state["rng_seed"] == 13903789293444600744  # the simulator's u64 RNG state, whole
    assert snapshots.checkpoint_config(latest.checkpoint_id) == orchestrator.config
    db.conn.execute(
        "UPDATE simulation_checkpoints SET state_json = '{\"current_tick\": 1}' "
        "WHERE checkpoint_id = ?",
        [latest.checkpoint_id],
    )
    with pytest.raises(CheckpointError, match="does not match its hash"):
        snapshots.load_checkpoint(latest.checkpoint_id)
    assert snapshots.delete_checkpoint(latest.checkpoint_id)
    assert not snapshots.delete_checkpoint(latest.checkpoint_id)
    assert [c.checkpoint_tick for c in snapshots.list_checkpoints("cp")] == [50]


def test_the_checkpoints_command_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "cp.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        orchestrator = FakeOrchestrator()
        with RunRecorder(
            db, orchestrator, orchestrator.config, simulation_id="cp", checkpoint_each_day=True
        ) as rec:
            for _ in range(rec.total_ticks):
                rec.tick()
    result = CliRunner().invoke(cli, ["--db", str(path), "checkpoints", "cp"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "cp: 2 checkpoints"
    assert lines[2].split()[:4] == ["cp-cp0", "50", "1", "end_of_day"]
    result = CliRunner().invoke(cli, ["--db", str(path), "checkpoints", "nope"])
    assert (result.exit_code, result.output) == (1, "Error: no simulation 'nope'\n")


SYNTHETIC = {"ticks_per_day": 20, "num_days": 3, "rng_seed": 11, "banks": 5}


def test_the_synthetic_rtgs_records_through_the_same_path(db: DatabaseManager) -> None:
    run = record_run(db, SyntheticOrchestrator.new(SYNTHETIC), SYNTHETIC, simulation_id="syn")
    expected = simulate_run(11, banks=5, ticks_per_day=20, days=3)
    assert isinstance(SyntheticOrchestrator.new(SYNTHETIC), Orchestrator)
    assert db.get_events("syn") == expected.events
    assert run.total_transactions == len(expected.transactions)
    assert run.total_settlements == expected.total_settlements


def test_the_batches_shrink_towards_the_end_of_the_run(db: DatabaseManager) -> None:
    """What is left to commit once the last tick has run is small: the run
    ends without waiting for a full batch (benches/overhead.py)."""
    config = {"ticks_per_day": 100, "num_days": 2, "rng_seed": 5, "banks": 25}
    record_run(db, SyntheticOrchestrator.new(config), config, simulation_id="run")
    sizes = [n for (n,) in db.conn.execute(
        "SELECT num_events FROM event_batches ORDER BY first_seq").fetchall()]  # fmt: skip
    last_tick = db.conn.execute(
        "SELECT count(*) FROM simulation_events WHERE tick = 199"
    ).fetchall()[0][0]
    full = [size for size in sizes if size == RUN_BATCH_EVENTS]
    tail = sizes[len(full) :]
    assert sizes[: len(full)] == full and len(full) >= 2
    assert len(tail) >= 2 and tail == sorted(tail, reverse=True)
    assert tail[-1] <= 3 * last_tick < RUN_BATCH_EVENTS // 4


def test_a_caller_who_ticks_past_the_configured_days_loses_no_day_rows(
    db: DatabaseManager,
) -> None:
    config = {"ticks_per_day": 10, "num_days": 2, "rng_seed": 3, "banks": 4}
    one_day = {**config, "num_days": 1}
    with RunRecorder(db, SyntheticOrchestrator.new(config), one_day, simulation_id="long") as rec:
        for _ in range(20):
            rec.tick()
    days = db.conn.execute(
        "SELECT day, count(*) FROM daily_agent_metrics GROUP BY day ORDER BY day"
    ).fetchall()
    assert days == [(0, 4), (1, 4)]
    assert db.conn.execute("SELECT max(tick) FROM simulation_events").fetchall() == [(19,)]


def test_a_run_restored_from_a_checkpoint_goes_on_identically(db: DatabaseManager) -> None:
    snapshots = SnapshotRepository(db)
    whole = SyntheticOrchestrator.new(SYNTHETIC)
    with RunRecorder(db, whole, SYNTHETIC, simulation_id="whole") as rec:
        for tick in range(rec.total_ticks):
            rec.tick()
            if tick == 29:  # mid-day: queues, held payments and the RNG in flight
                checkpoint = rec.checkpoint(description="after tick 29")
    state = snapshots.load_checkpoint(checkpoint)
    restored = SyntheticOrchestrator.load_state(snapshots.checkpoint_config(checkpoint), state)
    assert restored.current_tick() == 30
    continued = []
    for _ in range(30, 60):
        ran = restored.tick()
        continued.extend(restored.get_tick_events(ran["tick"]))
    assert continued == db.get_events("whole", tick_range=(30, 59))
    assert len(continued) > 100


def test_full_detail_stores_each_agents_state_per_tick(db: DatabaseManager) -> None:
    orchestrator = SyntheticOrchestrator.new(SYNTHETIC)
    record_run(db, orchestrator, SYNTHETIC, simulation_id="full", store_tick_states=True)
    expected = orchestrator.state.out.tables["tick_agent_states"]
    assert len(expected) == 5 * 60  # 5 banks, 60 ticks
    stored = db.conn.execute(
        "SELECT agent_id, tick, balance, posted_collateral, delay_cost FROM tick_agent_states "
        "WHERE simulation_id = 'full' ORDER BY tick, agent_id"
    ).fetchall()
    assert stored == sorted(
        ((r["agent_id"], r["tick"], r["balance"], r["posted_collateral"], r["delay_cost"])
         for r in expected),
        key=lambda row: (row[1], row[0]),
    )  # fmt: skip
    # Without the flag, or for a simulator that exposes no per-tick state, none.
    record_run(db, SyntheticOrchestrator.new(SYNTHETIC), SYNTHETIC, simulation_id="lean")
    fake = FakeOrchestrator()
    record_run(db, fake, fake.config, simulation_id="real-shape", store_tick_states=True)
    (count,) = db.conn.execute(
        "SELECT count(*) FROM tick_agent_states WHERE simulation_id <> 'full'"
    ).fetchall()[0]
    assert count == 0


def test_full_detail_stores_the_queues_each_tick_and_at_each_days_end(db: DatabaseManager) -> None:
    # Banks that submit payments they cannot yet cover: both queues fill.
    policy = {"type": "Threshold", "threshold": 0.3}
    agents = [{"id": f"BANK_{i:02d}", "policy": policy} for i in range(6)]
    config = {"ticks_per_day": 20, "num_days": 3, "rng_seed": 1, "agent_configs": agents}
    record_run(
        db, SyntheticOrchestrator.new(config), config, simulation_id="q", store_tick_states=True
    )
    queued = db.conn.execute(
        "SELECT tick, tx_id, queue_type FROM tick_queue_snapshots WHERE simulation_id = 'q'"
    ).fetchall()
    assert {kind for _, _, kind in queued} == {"queue1", "queue2"}
    at = {(tick, tx) for tick, tx, _ in queued}
    payments = db.conn.execute(
        "SELECT tx_id, arrival_tick, settlement_tick FROM transactions WHERE simulation_id = 'q'"
    ).fetchall()
    arrived = {tx: tick for tx, tick, _ in payments}
    settled = {tx: tick for tx, _, tick in payments}
    # A payment is in a queue after a tick only between its arrival and its settlement...
    for tick, tx in at:
        assert arrived[tx] <= tick and (settled[tx] is None or settled[tx] > tick), (tick, tx)
    # ...and a payment settled later than it arrived waited in a queue every tick between.
    waited = [(tx, a, settled[tx]) for tx, a in arrived.items() if (settled[tx] or 0) > a]
    assert waited
    for tx, first, last in waited:
        assert all((tick, tx) in at for tick in range(first, last)), tx
    # The day's end: what its last tick left queued, positions in queue order.
    end_of_day = db.conn.execute(
        "SELECT day, agent_id, queue_type, position, transaction_id FROM agent_queue_snapshots "
        "WHERE simulation_id = 'q' ORDER BY ALL"
    ).fetchall()
    last_ticks = db.conn.execute(
        "SELECT tick // 20, agent_id, queue_type, position, tx_id FROM tick_queue_snapshots "
        "WHERE simulation_id = 'q' AND tick % 20 = 19 ORDER BY ALL"
    ).fetchall()
    assert end_of_day == last_ticks and end_of_day


def test_an_experiments_full_runs_store_the_per_tick_tables_and_summaries_do_not(
    db: DatabaseManager,
) -> None:
    from simcash_db import ExperimentRecorder
    from simcash_db.workload import ExperimentShape, run_synthetic_experiment

    run_synthetic_experiment(ExperimentRecorder(db), "exp", 2, ExperimentShape(1, 2, 3, 10, 1))
    per_purpose = dict(
        db.conn.execute(
            "SELECT r.run_purpose, count(s.tick) FROM simulation_runs r "
            "LEFT JOIN tick_agent_states s USING (simulation_id) GROUP BY ALL"
        ).fetchall()
    )
    # Evaluations are FULL by default (3 banks x 10 ticks each); bootstrap samples SUMMARY.
    assert per_purpose["evaluation"] == 30 and per_purpose["bootstrap"] == 0


def test_recording_the_same_run_twice_stores_the_same_rows_ledger_included(
    tmp_path: Path,
) -> None:
    """INV-2: batch boundaries come from the events, not from timing."""
    config = {"ticks_per_day": 100, "num_days": 2, "rng_seed": 5, "banks": 25}
    stored = []
    for name in ("a", "b"):
        with DatabaseManager(tmp_path / f"{name}.duckdb") as db:
            db.setup()
            record_run(db, SyntheticOrchestrator.new(config), config, simulation_id="run",
                       clock=lambda: datetime(2026, 1, 1))  # fmt: skip
            stored.append(
                {
                    table: db.conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                    for table in ("event_batches", "simulation_events", "transactions")
                }
            )
    assert len(stored[0]["event_batches"]) > 2  # several batches
    assert stored[0] == stored[1]


def test_the_switch_interval_is_lowered_while_recording_and_put_back(db: DatabaseManager) -> None:
    """Behind a simulator computing in Python, DuckDB's client would wait
    5 ms for each GIL hand-over (simcash_db.writers.switching)."""
    before = sys.getswitchinterval()
    seen: list[float] = []
    with RunRecorder(db, FakeOrchestrator(), FakeOrchestrator().config, simulation_id="a") as rec:
        rec.tick()
        seen.append(sys.getswitchinterval())
    assert seen == [RECORDING_SWITCH_INTERVAL] and sys.getswitchinterval() == before
    # A failing run puts it back too.
    with (
        pytest.raises(RuntimeError, match="failed at tick 60"),
        RunRecorder(db, FakeOrchestrator(fail_at_tick=60), FakeOrchestrator().config,
                    simulation_id="b") as rec,
    ):  # fmt: skip
        for _ in range(rec.total_ticks):
            rec.tick()
    assert sys.getswitchinterval() == before
    # Left alone when asked, and a caller's own change during the run stays.
    with RunRecorder(db, FakeOrchestrator(), FakeOrchestrator().config, simulation_id="c",
                     quick_switching=False):  # fmt: skip
        assert sys.getswitchinterval() == before
    try:
        with RunRecorder(db, FakeOrchestrator(), FakeOrchestrator().config, simulation_id="d"):
            sys.setswitchinterval(0.002)
        assert sys.getswitchinterval() == 0.002
    finally:
        sys.setswitchinterval(before)
