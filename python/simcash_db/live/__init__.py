"""Reads while another process holds the file.

DuckDB lets one process open a database file for writing, and a reader that
opens it read-only blocks the next writer. So the process that holds a file
answers reads for it: a ``ReadService`` on a Unix socket only its user can
reach, advertised in ``DB.reader`` beside the database. Another process finds
it with ``ReadClient.find(db_path)`` and asks for the rows of a SELECT, which
come back as a Parquet file that DuckDB writes and reads at its own speed.

A dashboard that holds the file read-only advertises itself in ``DB.viewer``
and lets go when a writer claims the file (``DB.claim``), so it never stops a
recording from starting.
"""

from __future__ import annotations

from simcash_db.live.adverts import (
    CLAIM,
    READER,
    VIEWER,
    Advert,
    advert_path,
    read_advert,
    remove_advert,
    write_advert,
)
from simcash_db.live.claims import open_claiming
from simcash_db.live.client import ReadClient, RemoteSource
from simcash_db.live.service import ReadService

__all__ = [
    "CLAIM",
    "READER",
    "VIEWER",
    "Advert",
    "ReadClient",
    "ReadService",
    "RemoteSource",
    "advert_path",
    "open_claiming",
    "read_advert",
    "remove_advert",
    "write_advert",
]
