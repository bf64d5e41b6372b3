"""Structured ids of the simulations an experiment runs.

``{experiment_id}-iter{N}-{purpose}``, and for bootstrap samples
``{experiment_id}-iter{N}-bootstrap-sample{M}``. Experiment ids may contain
hyphens, even ``-iter``: parsing takes the last ``-iter{N}-``, because what
follows it (a purpose, a sample) never contains one.

Examples:
    >>> generate_simulation_id("exp-2026-a", 3, "bootstrap", 12)
    'exp-2026-a-iter3-bootstrap-sample12'
    >>> parsed = parse_simulation_id("exp-2026-a-iter3-evaluation")
    >>> parsed.experiment_id, parsed.iteration, parsed.purpose.value, parsed.sample_index
    ('exp-2026-a', 3, 'evaluation', None)
"""

from __future__ import annotations

import re
from typing import NamedTuple

from simcash_db.models.enums import SimulationRunPurpose

#: Purposes that a run of an experiment can have (not ``standalone``).
EXPERIMENT_PURPOSES = tuple(p for p in SimulationRunPurpose if p != SimulationRunPurpose.STANDALONE)

_NUMBER = r"(?:0|[1-9][0-9]*)"  # canonical: no sign, no leading zeros
_PATTERN = re.compile(
    rf"(?P<experiment_id>.+)-iter(?P<iteration>{_NUMBER})"
    rf"-(?P<purpose>{'|'.join(p.value for p in EXPERIMENT_PURPOSES)})"
    rf"(?:-sample(?P<sample_index>{_NUMBER}))?",
    re.DOTALL,
)


class ParsedSimulationId(NamedTuple):
    experiment_id: str
    iteration: int
    purpose: SimulationRunPurpose
    sample_index: int | None


def _purpose(purpose: SimulationRunPurpose | str) -> SimulationRunPurpose:
    try:
        value = SimulationRunPurpose(purpose)
    except ValueError:
        value = None
    if value is None or value == SimulationRunPurpose.STANDALONE:
        allowed = ", ".join(p.value for p in EXPERIMENT_PURPOSES)
        raise ValueError(f"unknown run purpose {purpose!r}; expected one of {allowed}")
    return value


def generate_simulation_id(
    experiment_id: str,
    iteration: int,
    purpose: SimulationRunPurpose | str,
    sample_index: int | None = None,
) -> str:
    """The id of an experiment's simulation; ``sample_index`` for bootstrap only."""
    kind = _purpose(purpose)
    if not isinstance(experiment_id, str) or not experiment_id:
        raise ValueError(f"experiment_id must be a non-empty str, got {experiment_id!r}")
    if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
        raise ValueError(f"iteration must be an int >= 0, got {iteration!r}")
    if kind == SimulationRunPurpose.BOOTSTRAP:
        if isinstance(sample_index, bool) or not isinstance(sample_index, int) or sample_index < 0:
            raise ValueError(f"a bootstrap run needs a sample_index >= 0, got {sample_index!r}")
        return f"{experiment_id}-iter{iteration}-{kind.value}-sample{sample_index}"
    if sample_index is not None:
        raise ValueError(f"only bootstrap runs have a sample_index ({kind.value} got one)")
    return f"{experiment_id}-iter{iteration}-{kind.value}"


def parse_simulation_id(simulation_id: str) -> ParsedSimulationId:
    """The parts of a structured simulation id; ValueError says what was expected."""
    match = _PATTERN.fullmatch(simulation_id) if isinstance(simulation_id, str) else None
    if match is None:
        raise ValueError(
            f"{simulation_id!r} is not an experiment simulation id; expected "
            "'{experiment_id}-iter{N}-{purpose}' or '{experiment_id}-iter{N}-bootstrap-sample{M}'"
        )
    purpose = SimulationRunPurpose(match["purpose"])
    sample = match["sample_index"]
    if (purpose == SimulationRunPurpose.BOOTSTRAP) != (sample is not None):
        raise ValueError(
            f"{simulation_id!r}: '-sample{{M}}' goes with bootstrap runs, and only with them"
        )
    return ParsedSimulationId(
        match["experiment_id"],
        int(match["iteration"]),
        purpose,
        None if sample is None else int(sample),
    )
