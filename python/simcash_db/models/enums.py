"""String enums of the schema; stored as VARCHAR with a CHECK on the values."""

from __future__ import annotations

from enum import StrEnum


class SimulationRunPurpose(StrEnum):
    STANDALONE = "standalone"
    INITIAL = "initial"
    BOOTSTRAP = "bootstrap"
    EVALUATION = "evaluation"
    BEST = "best"
    FINAL = "final"


class SimulationStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class TransactionStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    DROPPED = "dropped"
    OVERDUE = "overdue"


class CollateralAction(StrEnum):
    POST = "post"
    WITHDRAW = "withdraw"
    HOLD = "hold"


class PolicyCreator(StrEnum):
    INIT = "init"
    MANUAL = "manual"
    LLM = "llm"


class CheckpointType(StrEnum):
    MANUAL = "manual"
    AUTO = "auto"
    END_OF_DAY = "end_of_day"
    FINAL = "final"


class EvaluationMode(StrEnum):
    DETERMINISTIC = "deterministic"
    BOOTSTRAP = "bootstrap"
