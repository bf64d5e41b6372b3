"""Moving model instances in and out of DuckDB rows (JSON columns as Python objects)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, TypeVar

import duckdb

from simcash_db.connection import fetch_one
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
    """Insert ``record``, or update the columns that changed in the row with its key.

    Not INSERT OR REPLACE, and not a blanket UPDATE: the row may be a parent
    that foreign keys reference, and DuckDB refuses to rewrite an indexed
    column of such a row (foreign-key columns are indexed), even to the same
    value (DuckDB issue 20246).
    """
    model = type(record)
    key = model.key_columns
    where = " AND ".join(f"{k} = ?" for k in key)
    key_values = to_params(record, key)
    others = tuple(c.name for c in table_columns(model) if c.name not in key)
    current = fetch_one(
        conn, f"SELECT {', '.join(others)} FROM {model.table_name} WHERE {where}", key_values
    )
    if current is None:
        insert(conn, record)
        return
    wanted = to_params(record, others)
    changed = [
        (name, value)
        for name, value, old in zip(others, wanted, current, strict=True)
        if value != old or type(value) is not type(old)
    ]
    if changed:
        conn.execute(
            f"UPDATE {model.table_name} SET {', '.join(f'{n} = ?' for n, _ in changed)} "
            f"WHERE {where}",
            [*(v for _, v in changed), *key_values],
        )


def update(conn: duckdb.DuckDBPyConnection, record: TableModel, names: tuple[str, ...]) -> int:
    """Set ``names`` of the row with ``record``'s key to ``record``'s values,
    in one statement; returns the rows updated (0 or 1). For columns no
    index covers (see ``upsert``): no key and no foreign key."""
    model = type(record)
    key = model.key_columns
    (count,) = conn.execute(
        f"UPDATE {model.table_name} SET {', '.join(f'{n} = ?' for n in names)} "
        f"WHERE {' AND '.join(f'{k} = ?' for k in key)}",
        [*to_params(record, names), *to_params(record, key)],
    ).fetchall()[0]
    return int(count)


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
