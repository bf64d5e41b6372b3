"""DatabaseManager: one DuckDB connection and the unified schema it holds."""

from __future__ import annotations

from simcash_db.database.manager import DatabaseManager

__all__ = ["DatabaseManager"]
