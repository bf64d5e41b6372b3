"""What the doctests of the package share: ``demo_db``, a small synthetic
experiment ("exp": 3 iterations, 2 bootstrap samples, 4 banks, 12 ticks a
day, 2 days, seed 3) in an in-memory database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def _demo_db() -> Iterator[Any]:
    from simcash_db import DatabaseManager, ExperimentRecorder
    from simcash_db.workload import ExperimentShape, run_synthetic_experiment

    with DatabaseManager(":memory:") as db:
        db.setup()
        run_synthetic_experiment(ExperimentRecorder(db), "exp", 3, ExperimentShape(3, 2, 4, 12, 2))
        yield db


@pytest.fixture(autouse=True)
def _doctest_demo_db(request: pytest.FixtureRequest, doctest_namespace: dict[str, Any]) -> None:
    if isinstance(request.node, pytest.DoctestItem):
        doctest_namespace["demo_db"] = request.getfixturevalue("_demo_db")
