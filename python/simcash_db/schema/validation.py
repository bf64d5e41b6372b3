"""Compare a database with the models and list every difference."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from simcash_db.models import ALL_MODELS
from simcash_db.schema.columns import table_columns


@dataclass(frozen=True)
class SchemaMismatch:
    """One difference between the database and the models."""

    table: str
    kind: str  # missing_table | missing_column | extra_column | wrong_type | wrong_nullability
    column: str | None = None
    expected: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        if self.kind in ("wrong_type", "wrong_nullability"):
            return f"{where}: {self.kind} (expected {self.expected}, found {self.found})"
        return f"{where}: {self.kind}"


def find_mismatches(conn: duckdb.DuckDBPyConnection) -> list[SchemaMismatch]:
    """Every difference between the tables in ``conn`` and the models."""
    # duckdb_columns(), not information_schema.columns: the same rows, faster
    # (every open validates), and without the session's temp tables.
    rows = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = current_schema() "
        "ORDER BY table_name, column_index"
    ).fetchall()
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, data_type, is_nullable in rows:
        found.setdefault(table, {})[column] = (str(data_type).upper(), bool(is_nullable))

    mismatches: list[SchemaMismatch] = []
    for model in ALL_MODELS:
        table = model.table_name
        actual = found.get(table)
        if actual is None:
            mismatches.append(SchemaMismatch(table, "missing_table"))
            continue
        expected_names = set()
        for column in table_columns(model):
            expected_names.add(column.name)
            if column.name not in actual:
                mismatches.append(SchemaMismatch(table, "missing_column", column.name))
                continue
            data_type, nullable = actual[column.name]
            if data_type != column.sql_type:
                mismatches.append(
                    SchemaMismatch(table, "wrong_type", column.name, column.sql_type, data_type)
                )
            # Sequence-filled ids are nullable in the model but always set in the table.
            if not column.from_sequence and nullable != column.nullable:
                mismatches.append(
                    SchemaMismatch(
                        table,
                        "wrong_nullability",
                        column.name,
                        "NULL" if column.nullable else "NOT NULL",
                        "NULL" if nullable else "NOT NULL",
                    )
                )
        for name in actual:
            if name not in expected_names:
                mismatches.append(SchemaMismatch(table, "extra_column", name))
    return mismatches
