"""One Pydantic model per table: the single source of truth for the schema.

Also the column vocabulary (``columns``), the enums, and the grammar of the
structured simulation ids that link a run to its experiment
(``simulation_ids``). Nothing here imports another simcash_db package.
"""

from simcash_db.models.columns import I64_MAX, I64_MIN, ForeignKey, Index, TableModel
from simcash_db.models.enums import (
    CheckpointType,
    CollateralAction,
    EvaluationMode,
    PolicyCreator,
    SimulationRunPurpose,
    SimulationStatus,
    TransactionStatus,
)
from simcash_db.models.experiments import (
    ExperimentEventRecord,
    ExperimentIterationRecord,
    ExperimentRecord,
    PolicyEvaluationRecord,
)
from simcash_db.models.per_day import (
    AgentQueueSnapshotRecord,
    CollateralEventRecord,
    DailyAgentMetricsRecord,
    LsmCycleRecord,
)
from simcash_db.models.per_tick import (
    AgentStateRegisterRecord,
    PolicyDecisionRecord,
    TickAgentStateRecord,
    TickQueueSnapshotRecord,
)
from simcash_db.models.simulation import (
    EventBatchRecord,
    SimulationEventRecord,
    SimulationRunRecord,
    TransactionRecord,
)
from simcash_db.models.snapshots import PolicySnapshotRecord, SimulationCheckpointRecord

# Dependency order: parents before children. DDL creates in this order and
# drops in reverse; deletes run children first.
ALL_MODELS: tuple[type[TableModel], ...] = (
    ExperimentRecord,
    SimulationRunRecord,
    ExperimentIterationRecord,
    ExperimentEventRecord,
    PolicyEvaluationRecord,
    SimulationEventRecord,
    EventBatchRecord,
    TransactionRecord,
    TickAgentStateRecord,
    TickQueueSnapshotRecord,
    PolicyDecisionRecord,
    AgentStateRegisterRecord,
    DailyAgentMetricsRecord,
    CollateralEventRecord,
    LsmCycleRecord,
    AgentQueueSnapshotRecord,
    PolicySnapshotRecord,
    SimulationCheckpointRecord,
)

MODELS_BY_TABLE: dict[str, type[TableModel]] = {m.table_name: m for m in ALL_MODELS}

__all__ = [
    "ALL_MODELS",
    "I64_MAX",
    "I64_MIN",
    "MODELS_BY_TABLE",
    "AgentQueueSnapshotRecord",
    "AgentStateRegisterRecord",
    "CheckpointType",
    "CollateralAction",
    "CollateralEventRecord",
    "DailyAgentMetricsRecord",
    "EvaluationMode",
    "EventBatchRecord",
    "ExperimentEventRecord",
    "ExperimentIterationRecord",
    "ExperimentRecord",
    "ForeignKey",
    "Index",
    "LsmCycleRecord",
    "PolicyCreator",
    "PolicyDecisionRecord",
    "PolicyEvaluationRecord",
    "PolicySnapshotRecord",
    "SimulationCheckpointRecord",
    "SimulationEventRecord",
    "SimulationRunPurpose",
    "SimulationRunRecord",
    "SimulationStatus",
    "TableModel",
    "TickAgentStateRecord",
    "TickQueueSnapshotRecord",
    "TransactionRecord",
    "TransactionStatus",
]
