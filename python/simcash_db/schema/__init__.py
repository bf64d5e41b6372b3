"""The database schema, derived from the models: columns, DDL, version, migrations, validation."""

from simcash_db.schema.columns import Column, column_names, table_columns
from simcash_db.schema.ddl import create_schema_sql, drop_schema_sql, sequence_name
from simcash_db.schema.migrations import MIGRATIONS
from simcash_db.schema.validation import SchemaMismatch, find_mismatches
from simcash_db.schema.version import META_TABLE, SCHEMA_VERSION

__all__ = [
    "META_TABLE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Column",
    "SchemaMismatch",
    "column_names",
    "create_schema_sql",
    "drop_schema_sql",
    "find_mismatches",
    "sequence_name",
    "table_columns",
]
