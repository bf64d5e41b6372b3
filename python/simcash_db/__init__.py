"""simcash-db: one embedded DuckDB database for payment simulations and their experiments.

The names below are imported on first use, so ``import simcash_db`` is quick
and the command line can answer Ctrl-C during its own start-up with one line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simcash_db._native import __version__ as __version__
    from simcash_db._native import __version__ as native_version
    from simcash_db.database import DatabaseManager
    from simcash_db.errors import (
        DamagedDatabaseError,
        DamagedWalError,
        DatabaseFileError,
        DatabaseInUseError,
        EncodeError,
        NotFoundError,
        SchemaError,
        SchemaVersionError,
        SimcashDbError,
        WriteError,
    )
    from simcash_db.experiments import (
        ExperimentPersistencePolicy,
        ExperimentRecorder,
        SimulationPersistenceLevel,
        generate_simulation_id,
        parse_simulation_id,
    )
    from simcash_db.models import (
        ExperimentEventRecord,
        ExperimentIterationRecord,
        ExperimentRecord,
        SimulationRunPurpose,
        SimulationRunRecord,
        SimulationStatus,
        TransactionStatus,
    )
    from simcash_db.recovery import RecoveryReport, recover
    from simcash_db.repository import ExperimentRepository
    from simcash_db.schema import SCHEMA_VERSION, SchemaMismatch
    from simcash_db.simulator import Orchestrator, RunRecorder, record_run
    from simcash_db.snapshots import CheckpointError, SnapshotRepository

# name -> (module, attribute), imported on first use.
_EXPORTS: dict[str, tuple[str, str]] = {
    # The version has one source, Cargo.toml: compiled into the native module,
    # and maturin writes it into the wheel's metadata.
    "__version__": ("simcash_db._native", "__version__"),
    "native_version": ("simcash_db._native", "__version__"),
    "DatabaseManager": ("simcash_db.database", "DatabaseManager"),
    "DamagedDatabaseError": ("simcash_db.errors", "DamagedDatabaseError"),
    "DamagedWalError": ("simcash_db.errors", "DamagedWalError"),
    "DatabaseFileError": ("simcash_db.errors", "DatabaseFileError"),
    "DatabaseInUseError": ("simcash_db.errors", "DatabaseInUseError"),
    "EncodeError": ("simcash_db.errors", "EncodeError"),
    "NotFoundError": ("simcash_db.errors", "NotFoundError"),
    "SchemaError": ("simcash_db.errors", "SchemaError"),
    "SchemaVersionError": ("simcash_db.errors", "SchemaVersionError"),
    "SimcashDbError": ("simcash_db.errors", "SimcashDbError"),
    "WriteError": ("simcash_db.errors", "WriteError"),
    "ExperimentPersistencePolicy": ("simcash_db.experiments", "ExperimentPersistencePolicy"),
    "ExperimentRecorder": ("simcash_db.experiments", "ExperimentRecorder"),
    "SimulationPersistenceLevel": ("simcash_db.experiments", "SimulationPersistenceLevel"),
    "generate_simulation_id": ("simcash_db.experiments", "generate_simulation_id"),
    "parse_simulation_id": ("simcash_db.experiments", "parse_simulation_id"),
    "ExperimentEventRecord": ("simcash_db.models", "ExperimentEventRecord"),
    "ExperimentIterationRecord": ("simcash_db.models", "ExperimentIterationRecord"),
    "ExperimentRecord": ("simcash_db.models", "ExperimentRecord"),
    "SimulationRunPurpose": ("simcash_db.models", "SimulationRunPurpose"),
    "SimulationRunRecord": ("simcash_db.models", "SimulationRunRecord"),
    "SimulationStatus": ("simcash_db.models", "SimulationStatus"),
    "TransactionStatus": ("simcash_db.models", "TransactionStatus"),
    "ExperimentRepository": ("simcash_db.repository", "ExperimentRepository"),
    "RecoveryReport": ("simcash_db.recovery", "RecoveryReport"),
    "recover": ("simcash_db.recovery", "recover"),
    "Orchestrator": ("simcash_db.simulator", "Orchestrator"),
    "RunRecorder": ("simcash_db.simulator", "RunRecorder"),
    "record_run": ("simcash_db.simulator", "record_run"),
    "CheckpointError": ("simcash_db.snapshots", "CheckpointError"),
    "SnapshotRepository": ("simcash_db.snapshots", "SnapshotRepository"),
    "SCHEMA_VERSION": ("simcash_db.schema", "SCHEMA_VERSION"),
    "SchemaMismatch": ("simcash_db.schema", "SchemaMismatch"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simcash_db' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "SCHEMA_VERSION",
    "CheckpointError",
    "DamagedDatabaseError",
    "DamagedWalError",
    "DatabaseFileError",
    "DatabaseInUseError",
    "DatabaseManager",
    "EncodeError",
    "ExperimentEventRecord",
    "ExperimentIterationRecord",
    "ExperimentPersistencePolicy",
    "ExperimentRecord",
    "ExperimentRecorder",
    "ExperimentRepository",
    "NotFoundError",
    "Orchestrator",
    "RecoveryReport",
    "RunRecorder",
    "SchemaError",
    "SchemaMismatch",
    "SchemaVersionError",
    "SimcashDbError",
    "SimulationPersistenceLevel",
    "SimulationRunPurpose",
    "SimulationRunRecord",
    "SimulationStatus",
    "SnapshotRepository",
    "TransactionStatus",
    "WriteError",
    "__version__",
    "generate_simulation_id",
    "native_version",
    "parse_simulation_id",
    "record_run",
    "recover",
]
