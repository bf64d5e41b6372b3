"""Reading a run's events back: as the simulator's dicts (replay) or as a relation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb


@dataclass(frozen=True)
class EventFilter:
    """Which events of a run to read; every criterion given must hold."""

    tick: int | None = None
    tick_range: tuple[int, int] | None = None  # inclusive
    day: int | None = None
    agent_id: str | None = None
    tx_id: str | None = None
    event_type: str | list[str] | tuple[str, ...] | None = None
    limit: int | None = None
    offset: int = 0

    def where(self, simulation_id: str) -> tuple[str, list[Any]]:
        """The WHERE clause and its bound parameters."""
        clauses = ["simulation_id = ?"]
        params: list[Any] = [simulation_id]
        for column, value in (
            ("tick", self.tick),
            ("day", self.day),
            ("agent_id", self.agent_id),
            ("tx_id", self.tx_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.tick_range is not None:
            low, high = self.tick_range
            clauses.append("tick BETWEEN ? AND ?")
            params.extend([low, high])
        if isinstance(self.event_type, str):
            clauses.append("event_type = ?")
            params.append(self.event_type)
        elif self.event_type is not None:
            types = list(self.event_type)
            clauses.append(f"event_type IN ({', '.join('?' for _ in types)})")
            params.extend(types)
        return " AND ".join(clauses), params

    def paging(self) -> tuple[str, list[Any]]:
        if self.limit is None and not self.offset:
            return "", []
        if (self.limit is not None and self.limit < 0) or self.offset < 0:
            raise ValueError("limit and offset must not be negative")
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
    first.
    """
    sql, params = _sql("event_type, tick, details", simulation_id, selection)
    rows = cursor.execute(sql, params).fetchall()
    loads = json.loads
    return [
        {"event_type": event_type, "tick": tick, **loads(details)}
        for event_type, tick, details in rows
    ]


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
