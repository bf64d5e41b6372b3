"""simcash-db: one embedded DuckDB database for payment simulations and their experiments."""

from simcash_db._native import __version__ as native_version
from simcash_db.database import DatabaseManager
from simcash_db.errors import (
    DamagedWalError,
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
from simcash_db.repository import ExperimentRepository
from simcash_db.schema import SCHEMA_VERSION, SchemaMismatch

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "DamagedWalError",
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
    "SchemaError",
    "SchemaMismatch",
    "SchemaVersionError",
    "SimcashDbError",
    "SimulationPersistenceLevel",
    "SimulationRunPurpose",
    "SimulationRunRecord",
    "SimulationStatus",
    "TransactionStatus",
    "WriteError",
    "__version__",
    "generate_simulation_id",
    "native_version",
    "parse_simulation_id",
]
