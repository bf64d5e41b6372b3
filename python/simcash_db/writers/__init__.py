"""Writers: events (whole or streamed) and per-simulation rows, through the native encoders."""

from simcash_db._native import CHUNK_ROWS
from simcash_db.writers.events import DEFAULT_BATCH_SIZE, write_events
from simcash_db.writers.rows import model_for, write_rows, write_tables
from simcash_db.writers.stream import EventWriter

__all__ = [
    "CHUNK_ROWS",
    "DEFAULT_BATCH_SIZE",
    "EventWriter",
    "model_for",
    "write_events",
    "write_rows",
    "write_tables",
]
