"""A run's events: written at once or streamed, and read back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import duckdb
from typing_extensions import Unpack

from simcash_db.database.cursors import Connected, check_id, check_rows
from simcash_db.readers import (
    EventFilter,
    EventSelection,
    get_events,
    iter_event_lines,
    iter_events,
    query_events,
)
from simcash_db.writers import CHUNK_ROWS, DEFAULT_BATCH_SIZE, EventWriter, write_events

_Item = TypeVar("_Item")


class RunEvents(Connected):
    def write_events(
        self,
        simulation_id: str,
        events: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = CHUNK_ROWS,
        batch_id: str | None = None,
    ) -> int:
        """Store a run's events as one transaction: all land, or none do.

        ``events`` are the simulator's flat dicts (``event_type``, ``tick``,
        anything else), a list or any iterable. ``event_seq`` continues after
        the run's stored events; ``StateRegisterSet`` events also update
        ``agent_state_registers``. Returns the number of events written.
        DuckDB's append threads encode ``batch_size`` events at a time as they
        append them, so a generator given as ``events`` runs on those threads,
        not the caller's. A ``batch_id`` already stored for the run (a retry
        after a crash) writes nothing and returns 0.
        """
        check_id("simulation_id", simulation_id)
        check_rows("events", events)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        with self._cursor() as cursor:
            return write_events(cursor, simulation_id, events, batch_size, batch_id)

    def event_writer(
        self,
        simulation_id: str,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        encode_overlap: bool = True,
        quick_switching: bool = True,
        in_line: int = 1,
    ) -> EventWriter:
        """A streaming writer for a long run; use it as a context manager.
        ``encode_overlap=False`` for a caller that hands events over between
        work of its own, not back to back; ``quick_switching=False`` leaves
        the GIL switch interval alone; ``in_line`` batches may wait to commit
        (see ``EventWriter``)."""
        check_id("simulation_id", simulation_id)
        cursor = self.conn.cursor()
        try:
            return EventWriter(
                cursor,
                simulation_id,
                batch_size,
                encode_overlap=encode_overlap,
                quick_switching=quick_switching,
                in_line=in_line,
            )
        except BaseException:
            cursor.close()
            raise

    def get_events(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> list[dict[str, Any]]:
        """A run's events as the dicts the simulator handed in, in write order.

        Keyword filters (``EventSelection``): ``tick``, ``tick_range``,
        ``day``, ``agent_id``, ``tx_id``, ``event_type``, ``limit``, ``offset``.
        """
        check_id("simulation_id", simulation_id)
        with self._cursor() as cursor:
            return get_events(cursor, simulation_id, EventFilter(**selection))

    def iter_events(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> Iterator[dict[str, Any]]:
        """``get_events`` one event at a time, in bounded memory (pages of
        ``PAGE_EVENTS``), from one snapshot of the run: for replaying long runs.

        Examples:
            >>> from simcash_db import DatabaseManager
            >>> with DatabaseManager(":memory:") as db:
            ...     db.setup()
            ...     sum(1 for _ in db.iter_events("no-such-run"))
            0
        """
        check_id("simulation_id", simulation_id)
        return self._read_pages(iter_events, simulation_id, EventFilter(**selection))

    def iter_event_lines(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> Iterator[bytes]:
        """The events of ``iter_events`` as JSON lines (UTF-8, one event per line),
        in blocks of whole lines: what ``simcash-db replay`` prints.

        Examples:
            >>> from simcash_db import DatabaseManager
            >>> with DatabaseManager(":memory:") as db:
            ...     db.setup()
            ...     b"".join(db.iter_event_lines("no-such-run"))
            b''
        """
        check_id("simulation_id", simulation_id)
        return self._read_pages(iter_event_lines, simulation_id, EventFilter(**selection))

    def _read_pages(
        self,
        read: Callable[[duckdb.DuckDBPyConnection, str, EventFilter], Iterator[_Item]],
        simulation_id: str,
        selection: EventFilter,
    ) -> Iterator[_Item]:
        # A generator of its own, so the filter is checked when the call is
        # made, not at the first step of the iteration.
        with self._cursor() as cursor:
            yield from read(cursor, simulation_id, selection)

    def query_events(
        self, simulation_id: str, **selection: Unpack[EventSelection]
    ) -> duckdb.DuckDBPyRelation:
        """A run's events as a DuckDB relation (``.pl()``, ``.to_arrow_table()``, ``.df()``);
        the same keyword filters as ``get_events``."""
        # A cursor of its own: a half-read result of this relation (say, an
        # Arrow reader) must not block the manager's connection.
        check_id("simulation_id", simulation_id)
        return query_events(self.conn.cursor(), simulation_id, EventFilter(**selection))
