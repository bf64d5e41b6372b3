"""Structured simulation ids round-trip, and bad ones say what was expected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simcash_db import SimulationRunPurpose, generate_simulation_id, parse_simulation_id
from simcash_db.experiments import EXPERIMENT_PURPOSES

experiment_ids = st.text(min_size=1, max_size=30) | st.builds(
    lambda a, n, b: f"{a}-iter{n}-{b}",
    st.text(min_size=1, max_size=8),
    st.integers(0, 99),
    st.sampled_from(["evaluation", "bootstrap-sample3", "x"]),
)


@st.composite
def id_parts(draw: st.DrawFn) -> tuple[str, int, SimulationRunPurpose, int | None]:
    purpose = draw(st.sampled_from(EXPERIMENT_PURPOSES))
    sample = draw(st.integers(0, 10_000)) if purpose == SimulationRunPurpose.BOOTSTRAP else None
    return draw(experiment_ids), draw(st.integers(0, 10**9)), purpose, sample


@given(id_parts())
def test_generate_then_parse_round_trips(
    parts: tuple[str, int, SimulationRunPurpose, int | None],
) -> None:
    simulation_id = generate_simulation_id(*parts)
    assert tuple(parse_simulation_id(simulation_id)) == parts
    assert generate_simulation_id(*parse_simulation_id(simulation_id)) == simulation_id


def test_the_documented_shapes() -> None:
    assert generate_simulation_id("exp-1", 4, "evaluation") == "exp-1-iter4-evaluation"
    assert generate_simulation_id("exp-1", 4, "bootstrap", 0) == "exp-1-iter4-bootstrap-sample0"
    parsed = parse_simulation_id("my-iter2-exp-iter10-final")
    assert (parsed.experiment_id, parsed.iteration, parsed.purpose) == (
        "my-iter2-exp",
        10,
        SimulationRunPurpose.FINAL,
    )


@pytest.mark.parametrize(
    "bad",
    [
        "standalone-run",
        "exp-iter1-evaluationx",
        "exp-iter01-evaluation",
        "exp-iter-1-best",
        "exp-iter1-bootstrap",
        "exp-iter1-evaluation-sample2",
        "-iter1-best",
        "exp-iter1-standalone",
        "exp-iter1-bootstrap-sample",
        "exp-iter1-bootstrap-sample07",
    ],
)
def test_invalid_ids_are_refused_with_what_was_expected(bad: str) -> None:
    with pytest.raises(ValueError, match=r"expected|sample"):
        parse_simulation_id(bad)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("e", 1, "rehearsal"), "unknown run purpose 'rehearsal'"),
        (("e", 1, "standalone"), "unknown run purpose"),
        (("e", -1, "best"), "iteration must be an int >= 0"),
        (("e", True, "best"), "iteration must be an int >= 0"),
        (("", 1, "best"), "non-empty"),
        (("e", 1, "bootstrap"), "needs a sample_index"),
        (("e", 1, "evaluation", 3), "only bootstrap runs"),
    ],
)
def test_invalid_parts_are_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_simulation_id(*args)  # type: ignore[arg-type]
