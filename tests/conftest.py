from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from simcash_db import (
    DatabaseManager,
    ExperimentRepository,
)

settings.register_profile(
    "fast", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "slow", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture
def db() -> Iterator[DatabaseManager]:
    with DatabaseManager(":memory:") as manager:
        manager.setup()
        yield manager


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def repo(db: DatabaseManager) -> ExperimentRepository:
    return ExperimentRepository(db)
