"""Reading a run's events back: as the simulator's dicts (replay) or as a relation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypedDict, TypeVar

import duckdb
from typing_extensions import Unpack

from simcash_db._native import decode_events, event_lines
from simcash_db.connection import fetch_one

_Page = TypeVar("_Page")

#: Events per page of ``iter_events``: what a replay holds in memory at a time.
PAGE_EVENTS = 65_536


class EventSelection(TypedDict, total=False):
    """Which events of a run to read, as keyword arguments; every one given must hold.

    ``tick``, ``day``, ``agent_id`` and ``tx_id`` match exactly; ``tick_range``
    is inclusive; ``event_type`` is one type or several; ``limit`` and
    ``offset`` page through what matches, in write order.
    """

    tick: int | None
    tick_range: tuple[int, int] | None
    day: int | None
    agent_id: str | None
    tx_id: str | None
    event_type: str | list[str] | tuple[str, ...] | None
    limit: int | None
    offset: int


#: The keyword filters every event reader takes, in EventSelection's order.
FILTER_NAMES: tuple[str, ...] = tuple(EventSelection.__annotations__)


class EventFilter:
    """Which events of a run to read: the keywords of ``EventSelection``,
    as the SQL that selects them."""

    def __init__(self, **selection: Unpack[EventSelection]) -> None:
        unknown = [name for name in selection if name not in FILTER_NAMES]
        if unknown:
            # A misspelt filter must not silently select every event.
            raise TypeError(
                f"unknown event filter {unknown[0]!r}; the filters are {', '.join(FILTER_NAMES)}"
            )
        tick_range = selection.get("tick_range")
        if tick_range is not None and tick_range[0] > tick_range[1]:
            raise ValueError(f"tick_range {tuple(tick_range)} is reversed: FROM is after TO")
        self.selection = selection
        self.limit = selection.get("limit")
        self.offset = selection.get("offset", 0)

    def where(self, simulation_id: str) -> tuple[str, list[Any]]:
        """The WHERE clause and its bound parameters."""
        clauses = ["simulation_id = ?"]
        params: list[Any] = [simulation_id]
        chosen = self.selection
        for column, value in (
            ("tick", chosen.get("tick")),
            ("day", chosen.get("day")),
            ("agent_id", chosen.get("agent_id")),
            ("tx_id", chosen.get("tx_id")),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        tick_range, event_type = chosen.get("tick_range"), chosen.get("event_type")
        if tick_range is not None:
            low, high = tick_range
            clauses.append("tick BETWEEN ? AND ?")
            params.extend([low, high])
        if isinstance(event_type, str):
            clauses.append("event_type = ?")
            params.append(event_type)
        elif event_type is not None:
            types = list(event_type)
            clauses.append(f"event_type IN ({', '.join('?' for _ in types)})")
            params.extend(types)
        return " AND ".join(clauses), params

    def check_paging(self) -> None:
        if (self.limit is not None and self.limit < 0) or self.offset < 0:
            raise ValueError("limit and offset must not be negative")

    def paging(self) -> tuple[str, list[Any]]:
        self.check_paging()
        if self.limit is None and not self.offset:
            return "", []
        limit = "NULL" if self.limit is None else "?"
        params = [] if self.limit is None else [self.limit]
        return f" LIMIT {limit} OFFSET ?", [*params, self.offset]


def _sql(columns: str, simulation_id: str, selection: EventFilter) -> tuple[str, list[Any]]:
    where, params = selection.where(simulation_id)
    paging, paging_params = selection.paging()
    sql = f"SELECT {columns} FROM simulation_events WHERE {where} ORDER BY event_seq{paging}"
    return sql, [*params, *paging_params]


def get_events(
    cursor: duckdb.DuckDBPyConnection, simulation_id: str, selection: EventFilter
) -> list[dict[str, Any]]:
    """The selected events as the dicts the simulator handed in, in write order.

    Each dict is ``{"event_type": ..., "tick": ..., **details}``: the same
    keys, values and types as written (INV-5), ``event_type`` and ``tick``
    first. One query: the whole list is in memory anyway, and DuckDB's next
    batch is read while the last is decoded (``iter_events`` bounds memory
    with a query per page instead; 1.3x slower for a million events).
    """
    sql, params = _sql(_EVENT_COLUMNS, simulation_id, selection)
    # The native reader pauses the cyclic GC for the whole read (the dicts
    # hold no cycles): one call, so no collection runs between its batches.
    return decode_events(cursor.sql(sql, params=params))


def iter_events(
    cursor: duckdb.DuckDBPyConnection,
    simulation_id: str,
    selection: EventFilter,
    page_events: int = PAGE_EVENTS,
) -> Iterator[dict[str, Any]]:
    """The selected events as ``get_events`` gives them, one at a time.

    They are read ``page_events`` values of ``event_seq`` at a time, so memory
    stays bounded however long the run is (zone maps on ``event_seq`` let
    each page read only its row groups). All pages are read in one
    transaction: one snapshot of the run, even while a writer appends to it.
    """
    for page in _pages(cursor, simulation_id, selection, page_events, _dicts):
        yield from page


def iter_event_lines(
    cursor: duckdb.DuckDBPyConnection,
    simulation_id: str,
    selection: EventFilter,
    page_events: int = PAGE_EVENTS,
) -> Iterator[bytes]:
    """The selected events as JSON lines, in blocks of whole lines (one per page).

    Each line is the JSON text of the dict ``iter_events`` gives, ending in a
    newline, assembled from the stored text without building a Python object.
    """
    yield from _pages(cursor, simulation_id, selection, page_events, event_lines)


_EVENT_COLUMNS = "event_type, tick, details"


def _dicts(page: duckdb.DuckDBPyRelation) -> tuple[int, list[dict[str, Any]]]:
    # The GC is paused for the page only: the caller's code runs between pages.
    events = decode_events(page)
    return len(events), events


def _pages(
    cursor: duckdb.DuckDBPyConnection,
    simulation_id: str,
    selection: EventFilter,
    page_events: int,
    decode: Callable[[duckdb.DuckDBPyRelation], tuple[int, _Page]],
) -> Iterator[_Page]:
    """Each page of the selected events, decoded natively from its relation
    by ``decode``, which says how many events the page holds."""
    selection.check_paging()
    if page_events < 1:
        raise ValueError("page_events must be at least 1")
    where, params = selection.where(simulation_id)
    window = f"FROM simulation_events WHERE {where} AND event_seq BETWEEN ? AND ?"
    select = f"SELECT {_EVENT_COLUMNS} {window} ORDER BY event_seq LIMIT ? OFFSET ?"
    skip, wanted = selection.offset, selection.limit
    cursor.execute("BEGIN TRANSACTION")
    try:
        row = fetch_one(
            cursor,
            "SELECT max(event_seq) FROM simulation_events WHERE simulation_id = ?",
            [simulation_id],
        )
        last = -1 if row is None or row[0] is None else int(row[0])
        for low in range(0, last + 1, page_events):
            if wanted == 0:
                break
            bounds = [*params, low, low + page_events - 1]
            if skip:
                # A window that the offset skips whole is counted, not read.
                counted = fetch_one(cursor, f"SELECT count(*) {window}", bounds)
                matched = 0 if counted is None else int(counted[0])
                if matched <= skip:
                    skip -= matched
                    continue
            most = page_events if wanted is None else wanted
            count, page = decode(cursor.sql(select, params=[*bounds, most, skip]))
            skip = 0
            if wanted is not None:
                wanted -= count
            yield page
    finally:
        # Only read: ending the transaction just ends the snapshot.
        cursor.execute("ROLLBACK")


def query_events(
    cursor: duckdb.DuckDBPyConnection, simulation_id: str, selection: EventFilter
) -> duckdb.DuckDBPyRelation:
    """The selected events as a DuckDB relation, for analytics.

    ``.pl()``, ``.df()``, ``.to_arrow_table()`` or ``.fetchall()`` on it (it also
    implements ``__arrow_c_stream__``); it joins
    with other relations of the same connection.
    """
    sql, params = _sql("*", simulation_id, selection)
    return cursor.sql(sql, params=params)
