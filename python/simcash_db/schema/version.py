"""The schema version recorded in every database, and the migrations between versions."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

SCHEMA_VERSION = 1
META_TABLE = "simcash_db_meta"

# from_version -> a step that upgrades a database to from_version + 1, in place.
# Empty while there is one version; a new version adds its step here.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {}
