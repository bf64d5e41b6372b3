"""key_summary, which the row writer proves keys unique by, against plain Python."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simcash_db._native import encode_rows, key_summary
from simcash_db.encoding import table_spec
from simcash_db.models import TickQueueSnapshotRecord

# (simulation_id, tick, agent_id, queue_type, position): str and int keys.
MODEL = TickQueueSnapshotRecord
KEYS = list(MODEL.key_columns)

rows = st.lists(
    st.fixed_dictionaries(
        {
            "simulation_id": st.sampled_from(["s1", "s2"]),
            "tick": st.integers(-(2**63), 2**63 - 1) | st.integers(0, 3),
            "agent_id": st.sampled_from(["A", "B", "", "é", "A\x00"]),
            "queue_type": st.sampled_from(["q1", "q2"]),
            "position": st.integers(0, 2),
            "tx_id": st.just("t"),
        }
    ),
    max_size=40,
)


@given(rows)
def test_key_summary_finds_the_first_repeat_and_the_int_ranges(given_rows: list[Any]) -> None:
    batch = encode_rows(table_spec(MODEL), given_rows)
    repeated, ranges = key_summary(batch, KEYS)
    seen: set[tuple[Any, ...]] = set()
    expected = None
    for row in given_rows:
        key = tuple(row[k] for k in KEYS)
        if key in seen:
            expected = list(key)
            break
        seen.add(key)
    assert repeated == expected
    ints = [k for k in KEYS if k in ("tick", "position")]
    if given_rows:
        assert ranges == [
            (k, min(r[k] for r in given_rows), max(r[k] for r in given_rows)) for k in ints
        ]
    else:
        assert ranges == []
