"""Bad input: EncodeError names the row and the field, and nothing is written."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest

from factories import make_run
from simcash_db import DatabaseManager, EncodeError, NotFoundError, SimcashDbError, WriteError
from simcash_db.models import I64_MAX


@pytest.fixture
def run_db(db: DatabaseManager) -> DatabaseManager:
    db.save_simulation_run(make_run("s1"))
    return db


def good_event(tick: int = 1) -> dict[str, Any]:
    return {
        "event_type": "Arrival",
        "tick": tick,
        "tx_id": f"t{tick}",
        "sender_id": "A",
        "amount": 100,
    }


class Unrepresentable:
    pass


BAD_EVENTS: list[tuple[object, str, str]] = [
    ({"tick": 1}, "event_type", "required"),
    ({"event_type": 5, "tick": 1}, "event_type", "a str"),
    ({"event_type": "X"}, "tick", "required"),
    ({"event_type": "X", "tick": 1.0}, "tick", "an int"),
    ({"event_type": "X", "tick": True}, "tick", "an int"),
    ({"event_type": "X", "tick": "3"}, "tick", "an int"),
    ({"event_type": "X", "tick": -1}, "tick", ">= 0"),
    ({"event_type": "X", "tick": 2**63}, "tick", "within i64"),
    ({"event_type": "X", "tick": 1, "amount": 1.5}, "amount", "never a float"),
    ({"event_type": "X", "tick": 1, "amount": 100.0}, "amount", "never a float"),
    ({"event_type": "X", "tick": 1, "amount": True}, "amount", "not a bool"),
    ({"event_type": "X", "tick": 1, "amount": "100"}, "amount", "int cents"),
    ({"event_type": "X", "tick": 1, "amount": 2**63}, "amount", "within i64"),
    ({"event_type": "X", "tick": 1, "tx_amounts": [1, 2.5]}, "tx_amounts[1]", "never a float"),
    ({"event_type": "X", "tick": 1, "costs": {"delay_cost": 0.5}}, "costs.delay_cost", "float"),
    ({"event_type": "X", "tick": 1, "ratio": math.nan}, "ratio", "finite"),
    ({"event_type": "X", "tick": 1, "ratio": math.inf}, "ratio", "finite"),
    ({"event_type": "X", "tick": 1, "big": -(2**64)}, "big", "within i64"),
    ({"event_type": "X", "tick": 1, "agent_id": 7}, "agent_id", "a str id"),
    ({"event_type": "X", "tick": 1, "tx_id": b"t1"}, "tx_id", "a str id"),
    ({"event_type": "X", "tick": 1, "sender": ["A"]}, "sender", "a str id"),
    ({"event_type": "X", "tick": 1, "pair": (1, 2)}, "pair", "a JSON value"),
    ({"event_type": "X", "tick": 1, "tags": {"a", "b"}}, "tags", "a JSON value"),
    ({"event_type": "X", "tick": 1, "obj": Unrepresentable()}, "obj", "a JSON value"),
    ({"event_type": "X", "tick": 1, "nested": {1: "x"}}, "nested", "str keys"),
    ({"event_type": "X", "tick": 1, "text": "\ud800"}, "text", "UTF-8"),
    (
        {"event_type": "StateRegisterSet", "tick": 1, "register_key": "k", "new_value": 1.0},
        "agent_id",
        "required",
    ),
    (
        {"event_type": "StateRegisterSet", "tick": 1, "agent_id": "A", "new_value": 1.0},
        "register_key",
        "required",
    ),
    (
        {
            "event_type": "StateRegisterSet",
            "tick": 1,
            "agent_id": "A",
            "register_key": "k",
            "new_value": "high",
        },
        "new_value",
        "a float",
    ),
    (["event_type", "Arrival"], "<event>", "a dict"),
    (None, "<event>", "a dict"),
]


@pytest.mark.parametrize(("bad", "field", "expected"), BAD_EVENTS)
def test_bad_event_is_refused_by_row_and_field(
    run_db: DatabaseManager, bad: object, field: str, expected: str
) -> None:
    run_db.write_events("s1", [good_event(0)])
    before = run_db.table_counts()
    events = [good_event(t) for t in range(1, 250)]
    events.insert(217, bad)  # type: ignore[arg-type]
    with pytest.raises(EncodeError) as err:
        run_db.write_events("s1", events, batch_size=100)  # two batches land before it
    assert err.value.row == 217
    assert err.value.field == field
    assert expected in err.value.expected
    assert f"row 217, field '{field}'" in str(err.value)
    assert run_db.table_counts() == before


def test_deep_nesting_is_refused_not_a_crash(run_db: DatabaseManager) -> None:
    deep: Any = 1
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(EncodeError, match="nesting"):
        run_db.write_events("s1", [{"event_type": "X", "tick": 0, "deep": deep}])


def test_encode_error_is_a_value_error_and_a_package_error() -> None:
    assert issubclass(EncodeError, ValueError)
    assert issubclass(EncodeError, SimcashDbError)


def test_events_of_an_unknown_run_are_refused(db: DatabaseManager) -> None:
    with pytest.raises(NotFoundError, match="no simulation run 'ghost'"):
        db.write_events("ghost", [good_event()])
    assert db.table_counts()["simulation_events"] == 0


def tx(n: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "tx_id": f"tx{n}",
        "sender_id": "A",
        "receiver_id": "B",
        "amount": 1000 + n,
        "priority": 5,
        "is_divisible": False,
        "arrival_tick": n,
        "arrival_day": 0,
        "deadline_tick": n + 10,
        "status": "settled",
        "settlement_tick": n + 1,
    }
    row.update(overrides)
    return row


BAD_TRANSACTIONS: list[tuple[dict[str, Any], str, str]] = [
    ({"amount": 10.5}, "amount", "int cents"),
    ({"amount": 10.0}, "amount", "int cents"),
    ({"amount": True}, "amount", "int cents"),
    ({"amount": "10"}, "amount", "int cents"),
    ({"amount": -1}, "amount", ">= 0"),
    ({"amount": 2**63}, "amount", "within i64"),
    ({"delay_cost": 0.25}, "delay_cost", "int cents"),
    ({"priority": 1.0}, "priority", "an int"),
    ({"is_divisible": 1}, "is_divisible", "a bool"),
    ({"status": "lost"}, "status", "enum"),
    ({"tx_id": 17}, "tx_id", "a str"),
    ({"tx_id": None}, "tx_id", "a str"),
    ({"sender_id": "\udcff"}, "sender_id", "UTF-8"),
    ({"colour": "red"}, "colour", "no such column"),
    # A different simulation_id is replaced by the run's (test_writers), not refused.
]


@pytest.mark.parametrize(("change", "field", "expected"), BAD_TRANSACTIONS)
def test_bad_transaction_is_refused_by_row_and_field(
    run_db: DatabaseManager, change: dict[str, Any], field: str, expected: str
) -> None:
    rows = [tx(n) for n in range(5)]
    rows[3] = tx(3, **change)
    with pytest.raises(EncodeError) as err:
        run_db.write_transactions("s1", rows)
    assert (err.value.row, err.value.field) == (3, field)
    assert expected in err.value.expected
    assert run_db.table_counts()["transactions"] == 0


def test_missing_required_transaction_field(run_db: DatabaseManager) -> None:
    row = tx(0)
    del row["receiver_id"]
    with pytest.raises(EncodeError, match=r"row 0, field 'receiver_id'.*required"):
        run_db.write_transactions("s1", [row])


def test_non_dict_row_is_refused(run_db: DatabaseManager) -> None:
    with pytest.raises(EncodeError, match="row 1, field '<row>': expected a dict"):
        run_db.write_transactions("s1", [tx(0), ("tx1", "A")])  # type: ignore[list-item]


def test_register_value_must_be_finite(run_db: DatabaseManager) -> None:
    row = {
        "simulation_id": "s1",
        "tick": 1,
        "agent_id": "A",
        "register_key": "k",
        "register_value": math.nan,
    }
    with pytest.raises(EncodeError, match="finite"):
        run_db.write_rows("agent_state_registers", [row])


def test_rows_of_an_unknown_run_are_refused(run_db: DatabaseManager) -> None:
    row = {
        "simulation_id": "ghost",
        "agent_id": "A",
        "tick": 1,
        "queue_type": "q1",
        "position": 0,
        "tx_id": "t",
    }
    with pytest.raises(WriteError, match="no simulation run 'ghost'"):
        run_db.write_rows("tick_queue_snapshots", [row])
    assert run_db.table_counts()["tick_queue_snapshots"] == 0


def test_repeated_keys_are_refused(run_db: DatabaseManager) -> None:
    with pytest.raises(WriteError, match="appears twice"):
        run_db.write_transactions("s1", [tx(1), tx(2), tx(1)])
    run_db.write_transactions("s1", [tx(1)])
    with pytest.raises(WriteError, match="already stored"):
        run_db.write_transactions("s1", [tx(2), tx(1)])
    assert run_db.table_counts()["transactions"] == 1
    # The same tx id in another run is another key.
    run_db.save_simulation_run(make_run("s2"))
    assert run_db.write_transactions("s2", [tx(1)]) == 1


def metrics(agent: str, day: int) -> dict[str, Any]:
    money = ("opening_balance", "closing_balance", "min_balance", "max_balance",
             "unsecured_cap", "peak_overdraft")  # fmt: skip
    return {"agent_id": agent, "day": day, **dict.fromkeys(money, 0)}


def test_a_day_written_again_is_refused_and_the_next_day_is_not(run_db: DatabaseManager) -> None:
    # The writer asks the store only about rows in the batch's key range:
    # day 1's rows are checked against day 0's and written, day 0's again
    # are not, and neither are two of one key in one batch.
    write = run_db.write_tables
    write({"daily_agent_metrics": [metrics("A", 0), metrics("B", 0)]}, simulation_id="s1")
    write({"daily_agent_metrics": [metrics("A", 1), metrics("B", 1)]}, simulation_id="s1")
    with pytest.raises(WriteError, match=r"\('s1', 'B', 0\) is already stored"):
        write({"daily_agent_metrics": [metrics("C", 0), metrics("B", 0)]}, simulation_id="s1")
    with pytest.raises(WriteError, match=r"\('s1', 'C', 2\) appears twice"):
        write({"daily_agent_metrics": [metrics("C", 2), metrics("C", 2)]}, simulation_id="s1")
    with pytest.raises(WriteError, match="no simulation run 'ghost'"):
        write({"daily_agent_metrics": [metrics("C", 2)]}, simulation_id="ghost")
    assert run_db.table_counts()["daily_agent_metrics"] == 4


@pytest.mark.parametrize("table", ["experiments", "simulation_events", "event_batches", "nope"])
def test_write_rows_refuses_tables_it_does_not_serve(run_db: DatabaseManager, table: str) -> None:
    with pytest.raises(WriteError):
        run_db.write_rows(table, [{}])


def test_ints_at_the_edges_of_i64_are_exact(run_db: DatabaseManager) -> None:
    run_db.write_transactions("s1", [tx(0, amount=I64_MAX, priority=-(2**63))])
    assert run_db.conn.execute("SELECT amount, priority FROM transactions").fetchall() == [
        (I64_MAX, -(2**63))
    ]
    run_db.write_events("s1", [{"event_type": "X", "tick": I64_MAX, "amount": I64_MAX}])
    (event,) = run_db.get_events("s1")
    assert event == {"event_type": "X", "tick": I64_MAX, "amount": I64_MAX}


def test_tables_encoded_on_one_thread_are_stored_from_another(run_db: DatabaseManager) -> None:
    tables = {"daily_agent_metrics": [metrics("A", 0)], "transactions": [tx(1), tx(2)]}
    encoded = run_db.encode_tables(tables, simulation_id="s1")
    assert run_db.table_counts()["transactions"] == 0  # encoding stores nothing
    written: list[dict[str, int]] = []
    worker = threading.Thread(target=lambda: written.append(run_db.write_encoded(encoded)))
    worker.start()
    worker.join()
    assert written == [{"daily_agent_metrics": 1, "transactions": 2}]
    with pytest.raises(WriteError, match="already stored"):
        run_db.write_encoded(encoded)
    with pytest.raises(EncodeError, match=r"row 1.*'amount'"):
        run_db.encode_tables({"transactions": [tx(3), tx(4, amount=1.5)]}, simulation_id="s1")
    ghost = run_db.encode_tables({"transactions": [tx(5)]}, simulation_id="ghost")
    with pytest.raises(WriteError, match="no simulation run 'ghost'"):
        run_db.write_encoded(ghost)
    assert run_db.table_counts()["transactions"] == 2
