"""A database's schema over its life: created, checked against the version, migrated.

Opening a database runs ``setup_schema``; the CLI opens one per command, so
it reads the catalog once (``duckdb_tables()``, not the slower
``information_schema`` views) and creates a new schema in one statement.
"""

from __future__ import annotations

import logging

import duckdb

from simcash_db.connection import fetch_one, transaction
from simcash_db.errors import SchemaError, SchemaVersionError
from simcash_db.models import ALL_MODELS
from simcash_db.schema.ddl import create_schema_sql
from simcash_db.schema.migrations import MIGRATIONS
from simcash_db.schema.validation import find_mismatches
from simcash_db.schema.version import META_TABLE, SCHEMA_VERSION

log = logging.getLogger("simcash_db")

OUR_TABLES = tuple(m.table_name for m in ALL_MODELS)


def existing_tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables of the connection's own database and schema (temp tables left out)."""
    found = conn.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = current_schema()"
    ).fetchall()
    return {name for (name,) in found}


def recorded_version(conn: duckdb.DuckDBPyConnection, tables: set[str]) -> int | None:
    """The schema version the database records, or None if it records none."""
    if META_TABLE not in tables:
        return None
    row = fetch_one(conn, f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'")
    return None if row is None else int(row[0])


def check_version(conn: duckdb.DuckDBPyConnection, db_path: str) -> int | None:
    """The recorded version, if this simcash-db can use or migrate it.

    SchemaVersionError if the database is newer, has no migration path, or
    holds simcash-db tables without a recorded version; nothing is changed.
    """
    tables = existing_tables(conn)
    version = recorded_version(conn, tables)
    if version is None:
        stray = tables & set(OUR_TABLES)
        if stray:
            raise SchemaVersionError(
                f"database {db_path!r} has simcash-db tables ({', '.join(sorted(stray))})"
                " but no recorded schema version; refusing to reuse it"
            )
        return None
    missing = [v for v in range(version, SCHEMA_VERSION) if v not in MIGRATIONS]
    if version > SCHEMA_VERSION or missing:
        raise SchemaVersionError(
            f"database {db_path!r} was written with schema version {version}; "
            f"this simcash-db uses version {SCHEMA_VERSION} and cannot migrate it "
            "(nothing was changed)"
        )
    return version


def create_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Every table, index and sequence (parents first) and the version row, in one
    transaction; idempotent."""
    with transaction(conn):
        # One call for all the DDL: a statement per call costs a round trip each.
        conn.execute(";\n".join(create_schema_sql()))
        conn.execute(
            f"INSERT INTO {META_TABLE} VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
            [str(SCHEMA_VERSION)],
        )


def migrate(conn: duckdb.DuckDBPyConnection, version: int, db_path: str) -> None:
    """Upgrade from ``version`` to ``SCHEMA_VERSION``, one committed step per version."""
    while version < SCHEMA_VERSION:
        with transaction(conn):
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(
                f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'", [str(version)]
            )
        log.info("migrated %s to schema version %d", db_path, version)


def setup_schema(conn: duckdb.DuckDBPyConnection, db_path: str, *, read_only: bool) -> None:
    """Create the schema if there is none, else migrate it and validate it.

    SchemaError lists every mismatch; a read-only database without the
    schema is refused rather than created.
    """
    version = check_version(conn, db_path)
    if version is None:
        if read_only:
            raise SchemaError(f"database {db_path!r} has no simcash-db schema")
        # Made from the models just now: it matches them (test_schema checks).
        create_schema(conn)
        return
    if version < SCHEMA_VERSION:
        if read_only:
            raise SchemaVersionError(
                f"database {db_path!r} has schema version {version}; this simcash-db uses "
                f"version {SCHEMA_VERSION} and migrates it in place when it opens it for "
                "writing (e.g. 'simcash-db init'); nothing was changed"
            )
        migrate(conn, version, db_path)
    mismatches = find_mismatches(conn)
    if mismatches:
        listed = "\n  ".join(str(m) for m in mismatches)
        message = f"database {db_path!r} does not match the schema:\n  {listed}"
        raise SchemaError(message, mismatches)
