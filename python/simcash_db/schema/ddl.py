"""CREATE and DROP statements for every table, index and sequence, derived from the models."""

from __future__ import annotations

from typing import Any

from simcash_db.connection import sql_string
from simcash_db.models import ALL_MODELS, TableModel
from simcash_db.schema.columns import Column, table_columns
from simcash_db.schema.version import META_TABLE


def sequence_name(model: type[TableModel]) -> str:
    return f"{model.table_name}_{model.sequence_column}_seq"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return sql_string(str(value))


def _column_sql(model: type[TableModel], column: Column) -> str:
    parts = [f'"{column.name}"', column.sql_type]
    if column.compression:
        parts.append(f"USING COMPRESSION {column.compression}")
    if not column.nullable and not column.from_sequence:
        parts.append("NOT NULL")
    if column.from_sequence:
        parts.append(f"DEFAULT nextval('{sequence_name(model)}')")
    elif column.default is not None:
        parts.append(f"DEFAULT {_literal(column.default)}")
    if column.choices:
        allowed = ", ".join(_literal(c) for c in column.choices)
        parts.append(f'CHECK ("{column.name}" IN ({allowed}))')
    return " ".join(parts)


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def create_table_sql(model: type[TableModel]) -> list[str]:
    """The statements that create ``model``'s sequence, table and indexes, if absent."""
    statements = []
    if model.sequence_column:
        statements.append(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(model)} START 1")
    body = [_column_sql(model, c) for c in table_columns(model)]
    if model.enforce_key:
        body.append(f"PRIMARY KEY ({_quoted(model.key_columns)})")
    for fk in model.foreign_keys:
        body.append(
            f"FOREIGN KEY ({_quoted(fk.columns)}) REFERENCES {fk.table} ({_quoted(fk.ref_columns)})"
        )
    statements.append(
        f"CREATE TABLE IF NOT EXISTS {model.table_name} (\n    " + ",\n    ".join(body) + "\n)"
    )
    for index in model.indexes:
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {index.name} "
            f"ON {model.table_name} ({_quoted(index.columns)})"
        )
    return statements


def create_schema_sql() -> list[str]:
    """Every CREATE statement of the schema, parents first."""
    statements = [
        f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"
    ]
    for model in ALL_MODELS:
        statements.extend(create_table_sql(model))
    return statements


def drop_schema_sql() -> list[str]:
    """DROP statements for our tables and sequences only, children first."""
    statements = []
    for model in reversed(ALL_MODELS):
        statements.append(f"DROP TABLE IF EXISTS {model.table_name}")
        if model.sequence_column:
            statements.append(f"DROP SEQUENCE IF EXISTS {sequence_name(model)}")
    statements.append(f"DROP TABLE IF EXISTS {META_TABLE}")
    return statements
