"""Readers: a run's events back exactly as written, for replay and analytics."""

from simcash_db.readers.events import EventFilter, get_events, query_events

__all__ = ["EventFilter", "get_events", "query_events"]
