"""Readers: a run's events back exactly as written, for replay and analytics."""

from simcash_db.readers.events import (
    FILTER_NAMES,
    PAGE_EVENTS,
    EventFilter,
    EventSelection,
    get_events,
    iter_event_lines,
    iter_events,
    query_events,
)

__all__ = [
    "FILTER_NAMES",
    "PAGE_EVENTS",
    "EventFilter",
    "EventSelection",
    "get_events",
    "iter_event_lines",
    "iter_events",
    "query_events",
]
