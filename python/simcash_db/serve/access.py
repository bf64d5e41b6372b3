"""How the dashboard reads a database it must never keep from a recording.

While nobody records, it holds the file read-only (fast local reads) and says
so in ``DB.viewer``. A writer that wants the file writes ``DB.claim``: a
watcher sees it within ``POLL_S``, waits for the reads under way, and closes
the file. While a recording process holds the file, every read goes to it
(``simcash_db.live``); when it lets go, the file is opened again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from simcash_db.analysis import Source
from simcash_db.database import DatabaseManager
from simcash_db.errors import DatabaseInUseError, LiveReadError, SimcashDbError
from simcash_db.live import (
    CLAIM,
    VIEWER,
    ReadClient,
    RemoteSource,
    read_advert,
    remove_advert,
    write_advert,
)
from simcash_db.serve.cache import AnswerCache

T = TypeVar("T")

POLL_S = 0.1
#: DuckDB's buffer pool for the dashboard's reads.
MEMORY_LIMIT = "256MB"
#: How long reads under way may finish before a claim interrupts them.
GRACE_S = 1.0
#: How long a read waits for a writer that claimed the file to start answering.
HANDOVER_WAIT_S = 5.0


class Unavailable(SimcashDbError):
    """The database cannot be read now (held by a process that does not answer)."""


class DatabaseAccess:
    """Reads of one database file for many request threads."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = str(db_path)
        self._db: DatabaseManager | None = None
        self._readers = 0
        #: Counts the times the file was opened here: answers are kept per generation.
        self.generation = 0
        self.answers = AnswerCache()
        self.tables = AnswerCache()
        #: Answers over a whole run's events take turns, so that the cheap
        #: pages keep a core while they run.
        self.heavy = threading.Semaphore(1)
        #: Set by the live-update watcher while pages listen (see updates.py).
        self.live_version: int | None = None
        self._cursors: set[duckdb.DuckDBPyConnection] = set()
        self._state = threading.Condition()
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="simcash-db serve", daemon=True)
        self._watcher.start()

    @property
    def recording(self) -> bool:
        """Whether another process holds the file (and answers reads)."""
        return ReadClient.find(self.db_path) is not None

    @contextmanager
    def source(self) -> Iterator[Source]:
        """What one request reads from: a cursor on the file, or the recording process."""
        deadline = time.monotonic() + HANDOVER_WAIT_S
        while True:
            client = ReadClient.find(self.db_path)
            if client is not None:
                with RemoteSource(client) as remote:
                    yield remote
                return
            cursor = self._local_cursor()
            if cursor is not None:
                try:
                    yield cursor
                finally:
                    with self._state:
                        self._cursors.discard(cursor)
                        cursor.close()
                        self._readers -= 1
                        self._state.notify_all()
                return
            if time.monotonic() > deadline:
                raise Unavailable(
                    f"{self.db_path} is held by another process that does not answer reads "
                    "(a writer of an older simcash-db, or one opened with share_reads=False)"
                )
            time.sleep(POLL_S)

    def _local_cursor(self) -> duckdb.DuckDBPyConnection | None:
        """A cursor on the file opened read-only, or None while someone else holds it."""
        with self._state:
            if self._db is None:
                if read_advert(self.db_path, CLAIM) is not None:
                    return None
                try:
                    self._db = DatabaseManager(self.db_path, read_only=True)
                    # A bounded cache of blocks: memory stays flat however much is read.
                    self._db.conn.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
                except DatabaseInUseError:
                    return None
                write_advert(self.db_path, VIEWER)
                self.generation += 1
            self._readers += 1
            cursor = self._db.conn.cursor()
            self._cursors.add(cursor)
            return cursor

    def reading(self, read: Callable[[Source], T]) -> T:
        """``read(source)``, once more if the recording process let go of the
        file meanwhile (its answer then comes from the file)."""
        try:
            with self.source() as source:
                return read(source)
        except (LiveReadError, duckdb.Error):
            # The recording may have ended under the read (its answers' folder
            # goes with it): then the file answers. Anything else stands.
            if self.recording or self.held_generation() is not None:
                raise
        with self.source() as source:
            return read(source)

    def answers_key(self) -> tuple[object, ...] | None:
        """What answers are kept under now: the generation while this process
        holds the file; while a recording does and pages listen, the live
        version (it moves with every commit); else None (keep nothing)."""
        generation = self.held_generation()
        if generation is not None:
            return ("held", generation)
        if self.live_version is not None:
            return ("live", self.live_version)
        return None

    def held_generation(self) -> int | None:
        """The generation while this process holds the file (nobody can change
        it then), else None."""
        with self._state:
            if self._db is None or read_advert(self.db_path, CLAIM) is not None:
                return None
            return self.generation

    def _watch(self) -> None:
        while not self._stopping.wait(POLL_S):
            if self._db is not None and read_advert(self.db_path, CLAIM) is not None:
                self._let_go()

    def _let_go(self) -> None:
        """Close the file: reads under way get GRACE_S to finish, then are
        interrupted (a slow export must not keep a recording from starting)."""
        with self._state:
            db, self._db = self._db, None  # no new local reads from here on
            if not self._state.wait_for(lambda: not self._readers, GRACE_S):
                for cursor in self._cursors:
                    cursor.interrupt()
                self._state.wait_for(lambda: not self._readers, GRACE_S)
            if db is not None:
                db.close()
            remove_advert(self.db_path, VIEWER)

    def close(self) -> None:
        self._stopping.set()
        self._watcher.join()
        self._let_go()
