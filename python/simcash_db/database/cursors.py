"""What each part of ``DatabaseManager`` stands on: its connection, a cursor per call,
and the checks of the ids a caller hands in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import duckdb

from simcash_db.interrupts import interrupts_as_keyboard


class Connected:
    """Owns ``conn``; hands out a cursor per call."""

    conn: duckdb.DuckDBPyConnection

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # A cursor per call: threads may share this manager, and a cursor's
        # transaction and registered batches are its own.
        cursor = self.conn.cursor()
        try:
            with interrupts_as_keyboard():  # Ctrl-C in a statement, as KeyboardInterrupt
                yield cursor
        finally:
            cursor.close()


def check_id(name: str, value: object) -> str:
    """``value``, if it is a non-empty str; else a TypeError or ValueError naming ``name``.

    Examples:
        >>> check_id("simulation_id", 5)
        Traceback (most recent call last):
        TypeError: simulation_id must be a str, not int (5)
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__} ({value!r})"[:200])
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def check_rows(name: str, rows: object) -> None:
    """Refuse, naming ``name``, what cannot be rows (a dict is one row, not a list)."""
    if isinstance(rows, Mapping):
        raise TypeError(f"{name} must be an iterable of dicts; for one, pass [{name[:-1]}]")
    if isinstance(rows, str | bytes) or not isinstance(rows, Iterable):
        raise TypeError(f"{name} must be an iterable of dicts, not {type(rows).__name__}")
