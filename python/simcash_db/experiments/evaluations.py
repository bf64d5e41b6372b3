"""A policy evaluation's statistics: from each sample's costs, or as a runner gives them."""

from __future__ import annotations

import math
from statistics import stdev
from typing import Any

#: Columns of a policy evaluation computed from ``sample_costs``, or given as they are.
EVALUATION_STATISTICS = (
    "delta_sum",
    "num_samples",
    "sample_details",
    "cost_std_dev",
    "cost_ci95_lower",
    "cost_ci95_upper",
)

#: Columns the recorder sets itself.
_OWN = ("experiment_id", "iteration", "agent_id")


def evaluation_statistics(
    old_cost: int,
    new_cost: int,
    sample_costs: list[tuple[int, int]] | None,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """The statistics columns of an evaluation; those found in ``fields`` (a
    runner's own) are taken out of it and kept as given.

    The standard deviation of the per-sample deltas and their 95% interval
    (normal approximation) are int cents, the interval rounded outwards.

    Examples:
        >>> evaluation_statistics(100, 90, [(100, 90), (100, 80)], {})["cost_ci95_lower"]
        -25
        >>> evaluation_statistics(100, 90, None, {"delta_sum": -40, "num_samples": 4})
        {'delta_sum': -40, 'num_samples': 4}
    """
    given = [name for name in EVALUATION_STATISTICS if name in fields]
    if given and sample_costs is not None:
        raise ValueError(
            f"record_policy_evaluation: sample_costs and {', '.join(given)} were both "
            "given; pass the samples (the statistics are computed from them) or the "
            "statistics your runner computed, not both"
        )
    for own in _OWN:
        if own in fields:
            raise ValueError(f"record_policy_evaluation: {own} is not a field to pass here")
    samples = sample_costs or [(old_cost, new_cost)]
    deltas = [new - old for old, new in samples]
    statistics: dict[str, Any] = {"delta_sum": sum(deltas), "num_samples": len(samples)}
    # A runner's own statistics, as given (the model validates them).
    statistics.update((name, fields.pop(name)) for name in given)
    if sample_costs is not None:
        statistics["sample_details"] = [
            {"sample": i, "old_cost": old, "new_cost": new}
            for i, (old, new) in enumerate(sample_costs)
        ]
        if len(deltas) > 1:
            deviation = stdev(deltas)
            half_width = 1.96 * deviation / math.sqrt(len(deltas))
            mean = sum(deltas) / len(deltas)
            statistics["cost_std_dev"] = round(deviation)
            statistics["cost_ci95_lower"] = math.floor(mean - half_width)
            statistics["cost_ci95_upper"] = math.ceil(mean + half_width)
    return statistics
