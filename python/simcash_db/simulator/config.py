"""What a recorder reads of a simulator's config, checked before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from simcash_db.models import I64_MAX


class RunShape(NamedTuple):
    ticks_per_day: int
    num_days: int
    rng_seed: int


def run_shape(config: object) -> RunShape:
    """The run's shape from its config dict; a ValueError names a bad key.

    Examples:
        >>> run_shape({"ticks_per_day": 100, "num_days": 2, "rng_seed": 7})
        RunShape(ticks_per_day=100, num_days=2, rng_seed=7)
    """
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be the run's config dict, not {type(config).__name__}")
    return RunShape(
        _positive_int(config, "ticks_per_day"), _positive_int(config, "num_days"), _seed(config)
    )


def _seed(config: Mapping[str, Any]) -> int:
    seed = config.get("rng_seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"config rng_seed must be an int, found {seed!r}")
    if not 0 <= seed <= I64_MAX:
        # The simulator takes any u64; simcash-db stores seeds as BIGINT and
        # says so before anything is written, rather than store another number.
        raise ValueError(
            f"config rng_seed {seed} is beyond what simcash-db stores (0 .. 2**63-1); "
            "choose a seed in that range to record this run"
        )
    return seed


def _positive_int(config: Mapping[str, Any], key: str) -> int:
    """``config[key]``, an int of at least 1, or a ValueError naming the key."""
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        found = "nothing" if key not in config else repr(value)
        raise ValueError(f"config[{key!r}] must be an int of at least 1; found {found}")
    return value
