"""Live updates: one watcher asks the database what moved, every open page hears it.

The watcher runs only while a page listens, asks once per ``POLL_S`` whatever
the number of pages (a few counts: see ``queries.fingerprint``), and bumps a
version that each page's Server-Sent Events stream compares.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator

import duckdb

from simcash_db.errors import SimcashDbError
from simcash_db.serve.access import DatabaseAccess
from simcash_db.serve.queries import fingerprint
from simcash_db.serve.tables import Table

log = logging.getLogger("simcash_db")

POLL_S = 1.0
KEEPALIVE_S = 15.0


class Updates:
    def __init__(self, access: DatabaseAccess) -> None:
        self.access = access
        self.version = 0
        self.recording = False
        self._seen: object = None
        self._listeners = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="simcash-db updates", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            if not self._listeners:
                self.access.live_version = None
                self._wake.wait()
                self._wake.clear()
                continue
            try:
                seen = self.access.reading(lambda source: Table.fetch(source, fingerprint()).rows)
                recording = self.access.recording
            except (SimcashDbError, duckdb.Error) as exc:  # try again at the next poll
                log.debug("live update check failed: %s", exc)
                self.access.live_version = None
            else:
                if seen != self._seen or recording != self.recording:
                    self._seen, self.recording = seen, recording
                    self.version += 1
                self.access.live_version = self.version
            self._stopping.wait(POLL_S)

    def message(self) -> str:
        return json.dumps({"version": self.version, "recording": self.recording})

    async def stream(self) -> AsyncIterator[str]:
        """A page's event stream: a message whenever what it shows may have moved."""
        with self._lock:
            self._listeners += 1
        self._wake.set()
        try:
            sent = self.version
            yield f"retry: 2000\ndata: {self.message()}\n\n"
            quiet = 0.0
            while True:
                await asyncio.sleep(0.25)
                quiet += 0.25
                if self.version != sent:
                    sent = self.version
                    quiet = 0.0
                    yield f"data: {self.message()}\n\n"
                elif quiet >= KEEPALIVE_S:
                    quiet = 0.0
                    yield ": keepalive\n\n"
        finally:
            with self._lock:
                self._listeners -= 1

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join()
