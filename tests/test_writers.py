"""Writers: transactions, per-tick tables, the streaming writer's failure semantics."""

from __future__ import annotations

import gc
import json
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import simcash_db.writers.events as events_module
from factories import make_run
from simcash_db import DatabaseManager, EncodeError, NotFoundError, WriteError
from simcash_db._native import (
    EventLayout,
    EventStream,
    TableSpec,
    encode_events,
    release_buffers,
    retained_buffer_bytes,
)
from simcash_db.encoding import event_layout
from simcash_db.models import (
    AgentStateRegisterRecord,
    SimulationEventRecord,
    SimulationStatus,
)
from simcash_db.schema import column_names
from simcash_db.writers.switching import RECORDING_SWITCH_INTERVAL

# Real output of the simulator (aerugo/SimCash), copied from the team's shared fixtures.
FIXTURE_ROWS = Path(__file__).with_name("fixtures") / "simulator_rows.json"


@pytest.fixture
def run_db(db: DatabaseManager) -> DatabaseManager:
    db.save_simulation_run(make_run("s1", ticks_per_day=10))
    return db


def events(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"event_type": "Arrival", "tick": t, "tx_id": f"t{t}", "amount": t}
        for t in range(start, start + n)
    ]


def count(db: DatabaseManager, table: str = "simulation_events") -> int:
    return db.table_counts()[table]


def test_native_layouts_match_the_models() -> None:
    event_columns, register_columns = event_layout().column_names
    assert tuple(event_columns) == column_names(SimulationEventRecord)
    assert tuple(register_columns) == column_names(AgentStateRegisterRecord)
    batch, registers = encode_events(event_layout(), events(2), "s", 0, 10)
    assert pa.schema(batch).names == list(column_names(SimulationEventRecord))
    assert pa.schema(registers).names == list(column_names(AgentStateRegisterRecord))
    assert not pa.schema(batch).field("event_seq").nullable
    assert pa.schema(batch).field("agent_id").nullable


def spec(table: str, columns: list[tuple[str, str, bool]]) -> TableSpec:
    return TableSpec(table, [(name, kind, null, None, None, None) for name, kind, null in columns])


REGISTERS = spec(
    "agent_state_registers",
    [
        ("simulation_id", "str", False),
        ("tick", "i64", False),
        ("agent_id", "str", False),
        ("register_key", "str", False),
        ("register_value", "f64", False),
    ],
)
EVENTS = [
    ("simulation_id", "str", False),
    ("event_seq", "i64", False),
    ("tick", "i64", False),
    ("day", "i64", False),
    ("event_type", "str", False),
    ("agent_id", "str", True),
    ("tx_id", "str", True),
    ("details", "json", False),
]


def test_the_event_layout_follows_the_models_order() -> None:
    """The Arrow output takes the spec's column order, not one of its own."""
    layout = EventLayout(spec("simulation_events", EVENTS[::-1]), REGISTERS)
    batch, _ = encode_events(layout, events(3), "s", 0, 10)
    table = pa.table(batch)
    assert table.column_names == [name for name, _, _ in EVENTS[::-1]]
    assert table.column("event_seq").to_pylist() == [0, 1, 2]
    assert table.column("tx_id").to_pylist() == ["t0", "t1", "t2"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            [*EVENTS, ("extra", "str", True)],
            "simulation_events.extra: the event encoder has no value",
        ),
        (EVENTS[:-1], 'has no column "details"'),
        ([*EVENTS[:2], ("tick", "f64", False), *EVENTS[3:]], "simulation_events.tick"),
        ([*EVENTS[:5], ("agent_id", "str", False), *EVENTS[6:]], "must allow them"),
    ],
)
def test_an_event_layout_the_encoder_cannot_fill_is_refused(
    columns: list[tuple[str, str, bool]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        EventLayout(spec("simulation_events", columns), REGISTERS)


def test_arrow_batch_is_readable_many_times_without_copies() -> None:
    batch, _ = encode_events(event_layout(), events(3), "s", 0, 10)
    first = pa.table(batch)
    second = pa.RecordBatchReader.from_stream(batch).read_all()
    assert first.equals(second)
    # Typed as JSON for DuckDB and pyarrow alike (the canonical extension type).
    assert first.schema.field("details").type == pa.json_(pa.large_string())
    assert first.column("event_seq").to_pylist() == [0, 1, 2]
    assert pa.schema(batch) == first.schema


def test_encoded_buffers_are_reused_and_released_on_close() -> None:
    """A batch's buffers, once read, serve the next batch; close() hands them back."""
    with DatabaseManager(":memory:") as db:
        db.setup()
        db.save_simulation_run(make_run("s1"))
        # Batches of earlier tests still held in reference cycles (a kept
        # traceback) would hand their buffers back mid-test.
        gc.collect()
        release_buffers()
        batch, _ = encode_events(event_layout(), events(500), "s1", 0, 10)
        assert retained_buffer_bytes() == 0
        expected = pa.table(batch).to_pydict()  # a copy: the table itself shares the buffers
        del batch
        kept = retained_buffer_bytes()
        assert kept > 500 * 64
        again, _ = encode_events(
            event_layout(), events(500), "s1", 0, 10
        )  # written into the kept buffers
        assert retained_buffer_bytes() < kept
        assert pa.table(again).to_pydict() == expected
        # Buffers still in use (pyarrow shares them) are never handed out again.
        held = pa.table(again)
        del again
        encode_events(event_layout(), events(500, start=9), "s1", 0, 10)
        assert held.to_pydict() == expected
        del held
        db.write_events("s1", events(300))
        assert retained_buffer_bytes() > 0
    assert retained_buffer_bytes() == 0


def test_write_events_is_all_or_nothing_when_ingest_fails(
    run_db: DatabaseManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    def source_failing_after(n: int) -> Iterator[dict[str, Any]]:
        yield from events(n)
        raise RuntimeError("simulator crashed")

    # Chunks already read by DuckDB are dropped with the rest.
    with pytest.raises(RuntimeError, match="simulator crashed"):
        run_db.write_events("s1", source_failing_after(350), batch_size=100)
    assert count(run_db) == 0

    def disk_on_fire(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    # A failure after the events' append takes them back too.
    monkeypatch.setattr(events_module, "upsert_registers", disk_on_fire)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_db.write_events("s1", events(500), batch_size=100)
    assert count(run_db) == 0
    monkeypatch.undo()
    assert run_db.write_events("s1", events(5)) == 5
    assert [e["tick"] for e in run_db.get_events("s1")] == [0, 1, 2, 3, 4]


def test_streaming_writer_commits_batches_and_drops_the_rest_on_error(
    run_db: DatabaseManager,
) -> None:
    with pytest.raises(KeyError), run_db.event_writer("s1", batch_size=10) as writer:
        writer.extend(events(25))
        raise KeyError("the simulator crashed")
    assert writer.committed == 20
    assert writer.committed_batches == 2
    assert count(run_db) == 20
    # A new writer continues the sequence after what is stored.
    with run_db.event_writer("s1", batch_size=10) as writer:
        writer.extend(events(3, start=100))
    seqs = run_db.conn.execute("SELECT event_seq FROM simulation_events ORDER BY 1").fetchall()
    assert [s for (s,) in seqs] == list(range(23))


def test_streaming_writer_rejects_a_bad_batch_and_keeps_going(run_db: DatabaseManager) -> None:
    with run_db.event_writer("s1", batch_size=5) as writer:
        writer.extend(events(5))
        bad = events(5, start=5)
        bad[2]["amount"] = 2.5
        with pytest.raises(EncodeError) as err:
            writer.extend(bad)
        assert (err.value.row, err.value.field) == (7, "amount")
        writer.extend(events(5, start=10))
    assert writer.committed == 10
    assert [e["tick"] for e in run_db.get_events("s1")] == [*range(5), *range(10, 15)]


def test_a_bad_event_drops_only_its_own_call_and_its_registers(run_db: DatabaseManager) -> None:
    # Events are encoded as they are handed in: a call with a bad event keeps
    # none of its events (nor the register sets among them), and what earlier
    # calls handed in stays for the batch.
    def register(tick: int, value: float) -> dict[str, Any]:
        return {"event_type": "StateRegisterSet", "tick": tick, "agent_id": "A",
                "register_key": "k", "old_value": 0.0, "new_value": value}  # fmt: skip

    with run_db.event_writer("s1", batch_size=100) as writer:
        writer.extend([*events(3), register(3, 1.0)])
        bad = [register(3, 2.0), *events(2, start=4)]
        bad[-1]["amount"] = 2.5
        with pytest.raises(EncodeError) as err:
            writer.extend(bad)
        assert (err.value.row, err.value.field) == (6, "amount")
        assert writer.buffered == 4
        writer.extend(events(2, start=10))
    assert [e["tick"] for e in run_db.get_events("s1")] == [0, 1, 2, 3, 10, 11]
    registers = run_db.conn.execute(
        "SELECT tick, register_value FROM agent_state_registers WHERE simulation_id = 's1'"
    ).fetchall()
    assert registers == [(3, 1.0)]


def test_streaming_writer_reports_a_failed_commit(
    run_db: DatabaseManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}

    def fail_second(real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("constraint")
            real(*args, **kwargs)

        return call

    # A batch commits in one statement list (or, with registers, by steps).
    monkeypatch.setattr(events_module, "execute", fail_second(events_module.execute))
    monkeypatch.setattr(events_module, "append_encoded", fail_second(events_module.append_encoded))
    writer = run_db.event_writer("s1", batch_size=4)
    writer.extend(events(8))
    with pytest.raises(WriteError, match="4 events stored before it"):
        writer.extend(events(4, start=8))
    with pytest.raises(WriteError, match="open a new writer"):
        writer.append(events(1)[0])
    writer.abort()
    assert count(run_db) == 4


def test_streaming_memory_is_bounded_by_the_batch(run_db: DatabaseManager) -> None:
    with run_db.event_writer("s1", batch_size=50) as writer:
        for tick in range(40):
            writer.extend(events(7, start=tick * 7))
            assert writer.buffered < 50
    assert writer.committed == 280


def test_each_per_simulation_table_round_trips(run_db: DatabaseManager) -> None:
    rows: dict[str, dict[str, Any]] = {
        "tick_agent_states": {
            "agent_id": "A",
            "tick": 1,
            "day": 0,
            "balance": -500,
            "balance_change": -5,
            "unsecured_cap": 1000,
            "posted_collateral": 0,
            "liquidity_cost": 1,
            "delay_cost": 2,
            "collateral_cost": 0,
            "penalty_cost": 0,
            "split_friction_cost": 0,
            "liquidity_cost_delta": 1,
            "delay_cost_delta": 2,
            "collateral_cost_delta": 0,
            "penalty_cost_delta": 0,
            "split_friction_cost_delta": 0,
        },
        "tick_queue_snapshots": {
            "agent_id": "A",
            "tick": 1,
            "queue_type": "queue1",
            "position": 0,
            "tx_id": "t1",
        },
        "policy_decisions": {
            "agent_id": "A",
            "tick": 1,
            "day": 0,
            "decision_type": "split",
            "tx_id": "t1",
            "num_splits": 2,
            "child_tx_ids": ["t1a", "t1b"],
        },
        "agent_state_registers": {
            "tick": 1,
            "agent_id": "A",
            "register_key": "k",
            "register_value": 0.5,
        },
        "daily_agent_metrics": {
            "agent_id": "A",
            "day": 0,
            "opening_balance": 100,
            "closing_balance": 50,
            "min_balance": -20,
            "max_balance": 100,
            "unsecured_cap": 1000,
            "peak_overdraft": 20,
            "total_cost": 7,
        },
        "collateral_events": {
            "agent_id": "A",
            "tick": 1,
            "day": 0,
            "action": "post",
            "amount": 500,
            "reason": "low",
            "layer": "strategic",
            "balance_before": 1,
            "posted_collateral_before": 0,
            "posted_collateral_after": 500,
            "available_capacity_after": 9,
        },
        "lsm_cycles": {
            "tick": 1,
            "day": 0,
            "cycle_type": "multilateral",
            "cycle_length": 3,
            "agents": ["A", "B", "C"],
            "transactions": ["t1", "t2", "t3"],
            "settled_value": 300,
            "total_value": 300,
            "tx_amounts": [100, 100, 100],
        },
        "agent_queue_snapshots": {
            "agent_id": "A",
            "day": 0,
            "queue_type": "queue1",
            "position": 0,
            "transaction_id": "t1",
        },
        "policy_snapshots": {
            "agent_id": "A",
            "snapshot_day": 0,
            "snapshot_tick": 0,
            "policy_hash": "h",
            "policy_json": {"tree": [1, {"x": None}]},
            "created_by": "llm",
        },
        "simulation_checkpoints": {
            "checkpoint_id": "c1",
            "checkpoint_tick": 10,
            "checkpoint_day": 1,
            "checkpoint_timestamp": datetime(2026, 1, 1),
            "state_json": {"balances": [1, 2]},
            "state_hash": "s",
            "config_json": {},
            "config_hash": "c",
            "checkpoint_type": "auto",
            "created_by": "sim",
            "num_agents": 2,
            "num_transactions": 5,
            "total_size_bytes": 10,
        },
    }
    for table, row in rows.items():
        assert run_db.write_rows(table, [{"simulation_id": "s1", **row}]) == 1, table
        stored = run_db.conn.execute(f"SELECT * FROM {table}").fetchall()
        assert len(stored) == 1, table
    ids = run_db.conn.execute("SELECT id FROM policy_decisions").fetchall()
    assert ids == [(1,)]
    run_db.write_rows("policy_decisions", [{"simulation_id": "s1", **rows["policy_decisions"]}])
    assert run_db.conn.execute("SELECT max(id) FROM policy_decisions").fetchall() == [(2,)]
    defaults = run_db.conn.execute(
        "SELECT num_arrivals, liquidity_cost FROM daily_agent_metrics"
    ).fetchall()
    assert defaults == [(0, 0)]


def test_threads_writing_different_runs_store_exactly_their_own(db: DatabaseManager) -> None:
    runs = [f"thread-{i}" for i in range(4)]
    for run in runs:
        db.save_simulation_run(make_run(run))
    errors: list[BaseException] = []

    def work(run: str) -> None:
        try:
            db.write_events(
                run, [{"event_type": run, "tick": t} for t in range(3000)], batch_size=700
            )
            with db.event_writer(run, batch_size=500) as writer:
                writer.extend({"event_type": run, "tick": t} for t in range(3000, 5000))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for run in runs:
        back = db.get_events(run)
        assert [e["tick"] for e in back] == list(range(5000))
        assert {e["event_type"] for e in back} == {run}


def test_a_writer_for_an_unknown_run_is_refused_and_leaves_nothing_open(
    db: DatabaseManager,
) -> None:
    threads = threading.active_count()
    for _ in range(3):
        with pytest.raises(NotFoundError, match="no simulation run 'ghost'"):
            db.event_writer("ghost")
    assert threading.active_count() == threads
    assert db.validate_schema()


def test_event_stream_is_read_once_in_chunks_and_reports_its_registers() -> None:
    source = (
        {
            "event_type": "StateRegisterSet",
            "tick": t // 3,
            "agent_id": "A",
            "register_key": "k",
            "new_value": float(t),
        }
        for t in range(250)
    )
    stream = EventStream(event_layout(), source, "s1", 10, 5, chunk_rows=100)
    with pytest.raises(ValueError, match="read to its end"):
        stream.finish()
    table = pa.table(stream)
    assert table.column("event_seq").to_pylist() == list(range(10, 260))
    assert [len(b) for b in table.to_batches()] == [100, 100, 50]
    with pytest.raises(ValueError, match="read once"):
        pa.table(stream)
    written, registers = stream.finish()
    assert written == 250
    values = pa.table(registers).column("register_value").to_pylist()
    assert values == [float(min(t * 3 + 2, 249)) for t in range(84)]  # the last value of each tick


def test_a_bad_event_in_a_later_chunk_names_its_row_and_writes_nothing(
    run_db: DatabaseManager,
) -> None:
    batch = events(500)
    batch[371]["amount"] = 1.5
    with pytest.raises(EncodeError) as err:
        run_db.write_events("s1", batch, batch_size=100)
    assert (err.value.row, err.value.field) == (371, "amount")
    assert count(run_db) == 0
    assert run_db.write_events("s1", events(3)) == 3


def test_the_simulators_own_run_id_in_transaction_rows_is_replaced(run_db: DatabaseManager) -> None:
    """Real rows of the simulator carry its internal id; the call's id is the run's."""
    rows = json.loads(FIXTURE_ROWS.read_text())["transactions"]
    assert {row["simulation_id"] for row in rows} != {"s1"}
    assert run_db.write_transactions("s1", rows) == len(rows)
    stored = run_db.conn.execute("SELECT DISTINCT simulation_id FROM transactions").fetchall()
    assert stored == [("s1",)]
    # write_rows takes the id from the rows, and still refuses a disagreement.
    with pytest.raises(EncodeError, match="the same value as the call's own argument"):
        run_db.write_rows("daily_agent_metrics", [{"simulation_id": "other"}], simulation_id="s1")


def test_an_open_event_writer_hands_the_gil_over_quickly_and_puts_the_interval_back(
    run_db: DatabaseManager,
) -> None:
    """DuckDB's client takes the GIL between the tasks of a commit; behind a
    caller running Python each hand-over would wait 5 ms (writers.switching)."""
    before = sys.getswitchinterval()
    with run_db.event_writer("s1", batch_size=10) as writer:
        writer.extend(events(25))
        assert sys.getswitchinterval() == RECORDING_SWITCH_INTERVAL
    assert sys.getswitchinterval() == before and count(run_db) == 25
    # Two open at once: the interval goes back when the last one closes.
    first = run_db.event_writer("s1")
    with run_db.event_writer("s1") as second:
        second.extend(events(1, start=25))
    assert sys.getswitchinterval() == RECORDING_SWITCH_INTERVAL
    first.close()
    assert sys.getswitchinterval() == before
    # A failing block puts it back too, and a writer can be told to leave it.
    with pytest.raises(KeyError), run_db.event_writer("s1"):
        raise KeyError("boom")
    assert sys.getswitchinterval() == before
    with run_db.event_writer("s1", quick_switching=False):
        assert sys.getswitchinterval() == before


def test_a_run_row_is_completed_in_place_and_only_its_own_fields(run_db: DatabaseManager) -> None:
    run = run_db.require_simulation_run("s1")
    done = run.model_copy(update={"status": SimulationStatus.COMPLETED, "total_cost": 1234})
    run_db.update_simulation_run(done, ["status", "total_cost"])
    stored = run_db.require_simulation_run("s1")
    assert (stored.status, stored.total_cost) == (SimulationStatus.COMPLETED, 1234)
    assert stored.model_dump(exclude={"status", "total_cost"}) == run.model_dump(
        exclude={"status", "total_cost"}
    )
    with pytest.raises(ValueError, match="experiment_id"):
        run_db.update_simulation_run(done, ["status", "experiment_id"])
    with pytest.raises(NotFoundError, match="'ghost'"):
        run_db.update_simulation_run(done.model_copy(update={"simulation_id": "ghost"}), ["status"])
