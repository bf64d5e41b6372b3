"""Arbitrary Python values into both native encoders: a correct write or a clear error."""

from __future__ import annotations

import math
from collections import OrderedDict
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factories import make_run
from simcash_db import DatabaseManager, EncodeError
from strategies import typed


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


def raising_generator(values: list[Any]) -> Any:
    yield from values
    raise RuntimeError("the simulator failed midway")


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2),
    st.binary(max_size=4),
    st.just(Decimal("1.5")),
    st.just(Colour.RED),
    st.just(Level.HIGH),
    st.just(math.nan),
    st.text(min_size=5_000, max_size=20_000),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.frozensets(st.integers(), max_size=2),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=3),
        st.builds(OrderedDict, st.dictionaries(st.text(max_size=5), inner, max_size=2)),
    ),
    max_leaves=10,
)
keys = st.one_of(
    st.sampled_from(
        [
            "event_type",
            "tick",
            "agent_id",
            "sender",
            "tx_id",
            "amount",
            "costs",
            "new_value",
            "register_key",
        ]
    ),
    st.text(max_size=10),
)
fuzzed_rows = st.lists(
    st.one_of(st.dictionaries(keys, values, max_size=6), values), min_size=1, max_size=6
)

_db = DatabaseManager(":memory:")
_db.setup()
_db.save_simulation_run(make_run("fuzz"))


def deep(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = {"x": [value]}
    return value


def expect_clean_outcome(write: Any, table: str) -> None:
    before = _db.table_counts()[table]
    try:
        written = write()
    except EncodeError as exc:
        assert isinstance(exc.row, int) and isinstance(exc.field, str)  # '' is a key too
        assert f"row {exc.row}, field '{exc.field}'" in str(exc)
        assert _db.table_counts()[table] == before
    except (ValueError, TypeError, RuntimeError):
        assert _db.table_counts()[table] == before  # RuntimeError: the raising generator
    else:
        assert _db.table_counts()[table] == before + written


@given(fuzzed_rows, st.booleans())
def test_event_encoder_never_crashes_or_half_writes(rows: list[Any], as_generator: bool) -> None:
    source = raising_generator(rows) if as_generator else rows
    before = _db.table_counts()["simulation_events"]
    expect_clean_outcome(lambda: _db.write_events("fuzz", source), "simulation_events")
    after = _db.table_counts()["simulation_events"]
    if after > before:  # what was accepted reads back exactly
        back = _db.get_events("fuzz", offset=before)
        assert [typed(e) for e in back] == [
            typed(
                {
                    "event_type": e["event_type"],
                    "tick": e["tick"],
                    **{k: v for k, v in e.items() if k not in ("event_type", "tick")},
                }
            )
            for e in rows
        ]


@given(fuzzed_rows)
def test_row_encoder_never_crashes_or_half_writes(rows: list[Any]) -> None:
    expect_clean_outcome(lambda: _db.write_transactions("fuzz", rows), "transactions")


@pytest.mark.parametrize("levels", [120, 200, 100_000])
def test_deep_nesting_is_an_error_or_a_write_never_a_crash(levels: int) -> None:
    expect_clean_outcome(
        lambda: _db.write_events("fuzz", [{"event_type": "D", "tick": 0, "deep": deep(levels)}]),
        "simulation_events",
    )
