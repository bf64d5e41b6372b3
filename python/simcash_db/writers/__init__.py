"""Writers: events (whole or streamed) and per-simulation rows, through the native encoders."""

from simcash_db._native import CHUNK_ROWS
from simcash_db.writers.events import DEFAULT_BATCH_SIZE, write_events
from simcash_db.writers.rows import (
    EncodedTables,
    encode_tables,
    model_for,
    store_tables,
    write_rows,
    write_tables,
)
from simcash_db.writers.stream import EventWriter

__all__ = [
    "CHUNK_ROWS",
    "DEFAULT_BATCH_SIZE",
    "EncodedTables",
    "EventWriter",
    "encode_tables",
    "model_for",
    "store_tables",
    "write_events",
    "write_rows",
    "write_tables",
]
