"""The column vocabulary the table models are written in.

Each alias carries what the schema needs to know about a field (its DuckDB
type, whether it is money) so that DDL, validation and the native encoders'
column specs are all derived from the models, never written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, Strict

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


@dataclass(frozen=True)
class SqlType:
    """Forces a DuckDB type where the Python type alone does not say it (JSON)."""

    name: str


@dataclass(frozen=True)
class MoneyMarker:
    """Marks an integer-cents column (INV-1): never a float, a bool or a string."""


@dataclass(frozen=True)
class Compression:
    """The DuckDB storage compression a column asks for (``USING COMPRESSION``)."""

    name: str


JSON_SQL = SqlType("JSON")
MONEY = MoneyMarker()
# JSON texts are long and varied. DuckDB's default for strings (dictionary +
# FSST) spends half the CPU of a bulk append choosing and building its tables;
# zstd appends simulation_events 1.5x faster and makes the file 40% smaller
# (benches/compression.py).
ZSTD = Compression("zstd")

Int64 = Annotated[int, Strict(), Field(ge=I64_MIN, le=I64_MAX)]
"""A BIGINT that is not money (ticks, counts, seeds)."""

Cents = Annotated[int, Strict(), Field(ge=I64_MIN, le=I64_MAX), MONEY]
"""Signed money in integer cents (balances, changes)."""

Amount = Annotated[int, Strict(), Field(ge=0, le=I64_MAX), MONEY]
"""Non-negative money in integer cents (amounts, costs)."""

Flag = Annotated[bool, Strict()]

Json = Annotated[JsonValue, JSON_SQL, ZSTD]
"""Any JSON value; stored in a DuckDB JSON column, returned as Python objects."""

CostsJson = Annotated[dict[str, Cents], JSON_SQL, ZSTD]
# Per-sample costs of a bootstrap evaluation: [{"sample": 0, "old_cost": c, "new_cost": c}, ...]
SampleCostsJson = Annotated[list[dict[str, Cents]], JSON_SQL, ZSTD]
"""A JSON object of int cents per agent (INV-1 holds inside JSON too)."""


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]


class TableModel(BaseModel):
    """Base of every table model: one row of ``table_name``."""

    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)

    table_name: ClassVar[str]
    key_columns: ClassVar[tuple[str, ...]]
    # Whether DuckDB enforces the key. The high-volume tables leave it to the
    # writer, because a PRIMARY KEY makes a bulk append about 10x slower.
    enforce_key: ClassVar[bool] = True
    foreign_keys: ClassVar[tuple[ForeignKey, ...]] = ()
    indexes: ClassVar[tuple[Index, ...]] = ()
    # A BIGINT id column filled from a sequence named ``{table}_{column}_seq``.
    sequence_column: ClassVar[str | None] = None
    # Whether rows belong to one simulation run by ``simulation_id``.
    per_simulation: ClassVar[bool] = False
    # Filled only by the event writers (event_seq and the batch ledger are theirs).
    event_writer_only: ClassVar[bool] = False
