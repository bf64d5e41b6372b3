"""The schema version recorded in every database, and the table that records it."""

from __future__ import annotations

SCHEMA_VERSION = 3
META_TABLE = "simcash_db_meta"
