"""Columns of a table, derived from its model's fields (types, nullability, defaults)."""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from simcash_db.models.columns import I64_MIN, Compression, MoneyMarker, SqlType, TableModel

# The encoders' column kinds and the DuckDB type each is stored as.
SQL_TYPE_OF_KIND = {
    "str": "VARCHAR",
    "i64": "BIGINT",
    "bool": "BOOLEAN",
    "f64": "DOUBLE",
    "json": "JSON",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # one of SQL_TYPE_OF_KIND
    nullable: bool
    default: Any  # None when the column has no default
    choices: tuple[str, ...] | None  # allowed values of a string enum
    money: bool
    from_sequence: bool
    min_value: int | None  # the field's ``ge`` bound, if any
    compression: str | None = None  # DuckDB storage compression, if not DuckDB's choice

    @property
    def sql_type(self) -> str:
        return SQL_TYPE_OF_KIND[self.kind]

    @property
    def required(self) -> bool:
        """Whether a row must supply this column (no default, not nullable)."""
        return not self.nullable and self.default is None and not self.from_sequence


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(base type, nullable, metadata) of an annotation like ``Annotated[int, ...] | None``."""
    nullable = False
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *extra = get_args(annotation)
            metadata.extend(extra)
            annotation = base
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == len(get_args(annotation)) or len(args) != 1:
                # A union of several real types is JSON in this schema.
                return annotation, nullable, metadata
            nullable = True
            annotation = args[0]
        else:
            return annotation, nullable, metadata


def _kind(base: Any, metadata: list[Any]) -> tuple[str, tuple[str, ...] | None]:
    for item in metadata:
        if isinstance(item, SqlType) and item.name == "JSON":
            return "json", None
    if isinstance(base, type):
        if issubclass(base, Enum):
            return "str", tuple(str(m.value) for m in base)
        for py_type, kind in ((bool, "bool"), (int, "i64"), (float, "f64"), (str, "str")):
            if issubclass(base, py_type):
                return kind, None
        if issubclass(base, datetime):
            return "timestamp", None
    raise TypeError(f"no column type for annotation {base!r}")


def _lower_bound(bounds: list[Any]) -> int | None:
    # Every BIGINT carries ge=I64_MIN; only a tighter bound is worth checking.
    tight = [int(b) for b in bounds if int(b) > I64_MIN]
    return max(tight) if tight else None


@cache
def table_columns(model: type[TableModel]) -> tuple[Column, ...]:
    """The columns of ``model``'s table, in field order."""
    out = []
    for name, info in model.model_fields.items():
        base, nullable, metadata = _unwrap(info.annotation)
        metadata.extend(info.metadata)
        # Field(...) inside Annotated[...] keeps its constraints in its own metadata.
        for item in list(metadata):
            if isinstance(item, FieldInfo):
                metadata.extend(item.metadata)
        bounds = [m.ge for m in metadata if isinstance(m, annotated_types.Ge)]
        kind, choices = _kind(base, metadata)
        default = info.default
        if default is PydanticUndefined or info.default_factory is not None:
            default = None
        if isinstance(default, Enum):
            default = default.value
        out.append(
            Column(
                name=name,
                kind=kind,
                nullable=nullable,
                default=default,
                choices=choices,
                money=any(isinstance(m, MoneyMarker) for m in metadata),
                from_sequence=model.sequence_column == name,
                min_value=_lower_bound(bounds),
                compression=next((m.name for m in metadata if isinstance(m, Compression)), None),
            )
        )
    return tuple(out)


def column_names(model: type[TableModel]) -> tuple[str, ...]:
    return tuple(c.name for c in table_columns(model))
