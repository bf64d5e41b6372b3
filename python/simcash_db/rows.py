"""Moving model instances in and out of DuckDB rows (JSON columns as Python objects)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, TypeVar

import duckdb

from simcash_db.models import TableModel
from simcash_db.schema import table_columns

M = TypeVar("M", bound=TableModel)


def to_params(record: TableModel, names: tuple[str, ...]) -> list[Any]:
    """The values of ``names`` in ``record``, ready to bind as SQL parameters."""
    kinds = {c.name: c.kind for c in table_columns(type(record))}
    out: list[Any] = []
    for name in names:
        value = getattr(record, name)
        if value is not None and kinds[name] == "json":
            value = json.dumps(value, allow_nan=False)
        elif isinstance(value, Enum):
            value = value.value
        out.append(value)
    return out


def insert(conn: duckdb.DuckDBPyConnection, record: TableModel) -> None:
    """Insert ``record``; a sequence-filled id left as None is assigned by DuckDB."""
    model = type(record)
    names = tuple(
        c.name
        for c in table_columns(model)
        if not (c.from_sequence and getattr(record, c.name) is None)
    )
    conn.execute(
        f"INSERT INTO {model.table_name} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)})",
        to_params(record, names),
    )


def upsert(conn: duckdb.DuckDBPyConnection, record: TableModel) -> None:
    """Insert ``record``, or update the row with its key in place.

    An UPDATE rather than INSERT OR REPLACE: the row may be a parent that
    foreign keys reference, and DuckDB refuses to replace those.
    """
    model = type(record)
    key = model.key_columns
    where = " AND ".join(f"{k} = ?" for k in key)
    key_values = to_params(record, key)
    exists = conn.execute(
        f"SELECT count(*) FROM {model.table_name} WHERE {where}", key_values
    ).fetchone()
    if exists is None or exists[0] == 0:
        insert(conn, record)
        return
    others = tuple(c.name for c in table_columns(model) if c.name not in key)
    conn.execute(
        f"UPDATE {model.table_name} SET {', '.join(f'{n} = ?' for n in others)} WHERE {where}",
        [*to_params(record, others), *key_values],
    )


def select(
    conn: duckdb.DuckDBPyConnection,
    model: type[M],
    where: str = "TRUE",
    params: list[Any] | None = None,
    order_by: str | None = None,
) -> list[M]:
    """Rows of ``model``'s table matching ``where`` (bound ``params``), as models."""
    columns = table_columns(model)
    sql = f"SELECT {', '.join(c.name for c in columns)} FROM {model.table_name} WHERE {where}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    out = []
    for row in conn.execute(sql, params or []).fetchall():
        values = {}
        for column, value in zip(columns, row, strict=True):
            if value is not None and column.kind == "json":
                value = json.loads(value)
            values[column.name] = value
        out.append(model.model_validate(values))
    return out
