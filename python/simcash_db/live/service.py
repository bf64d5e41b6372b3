"""The process that holds a database answers other processes' SELECTs on it.

One request per connection on a Unix socket in a folder only this user can
open: a JSON line ``{"sql": ..., "params": [...]}``, answered by a JSON line
``{"path": FILE}`` naming a Parquet file of the rows (the
asker reads it, then removes it) or ``{"error": ...}``. Only a single SELECT
is run (DuckDB's own parser says what a statement is), on a cursor of its own,
so it reads the last committed state and never writes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb

from simcash_db.live.adverts import READER, remove_advert, write_advert

log = logging.getLogger("simcash_db")

#: How much the threads answering reads yield to the recording (0-19).
READS_NICENESS = 10
#: A client that sends nothing for this long is dropped.
REQUEST_TIMEOUT_S = 30.0


def check_select(sql: str) -> None:
    """Refuse anything but one SELECT (ValueError saying what it is)."""
    statements = duckdb.extract_statements(sql)
    if len(statements) != 1:
        raise ValueError(f"one statement is answered, not {len(statements)}")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise ValueError(f"only a SELECT is answered, not {statements[0].type.name}")


class ReadService:
    """Answers reads on ``conn``'s database for other processes of this user.

    Started by ``DatabaseManager`` when it opens a file for writing; ``close``
    stops it (answers under way are interrupted) and removes its advert.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, db_path: str) -> None:
        self.db_path = db_path
        self._folder = Path(tempfile.mkdtemp(prefix="simcash-db-reads-"))  # mode 0700
        self._base = conn.cursor()  # made here, in the owner's thread
        self._lock = threading.Lock()
        self._active: set[duckdb.DuckDBPyConnection] = set()
        self._names = itertools.count()
        self.socket_path = str(self._folder / "reads.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.socket_path)
        os.chmod(self.socket_path, 0o600)
        self._listener.listen(64)
        self._answering: set[threading.Thread] = set()
        # Blocked in accept() until close() shuts the socket: no polling, so an
        # idle service costs the recording nothing and closes at once.
        self._thread = threading.Thread(target=self._accept, name="simcash-db reads", daemon=True)
        self._thread.start()
        write_advert(db_path, READER, socket=self.socket_path)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._answering.add(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        # Answers wait for the recording: this thread yields the CPU to it
        # (Linux gives each thread its own niceness).
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READS_NICENESS)
        try:
            with conn, conn.makefile("rwb") as stream:
                conn.settimeout(REQUEST_TIMEOUT_S)
                try:
                    request = json.loads(stream.readline(1 << 20))
                    if not isinstance(request, dict):
                        raise ValueError("not an object")
                except (OSError, ValueError) as exc:
                    answer: dict[str, Any] = {"error": f"unreadable request: {exc}"}
                else:
                    answer = self.answer(request)
                with contextlib.suppress(OSError):  # the asker left: nothing to tell
                    stream.write(json.dumps(answer).encode() + b"\n")
                    stream.flush()
        finally:
            with self._lock:
                self._answering.discard(threading.current_thread())

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        sql = request.get("sql")
        params = request.get("params", [])
        if not isinstance(sql, str) or not isinstance(params, (list, dict)):
            return {"error": "a request is {'sql': str, 'params': list or dict}"}
        try:
            check_select(sql)
        except (ValueError, duckdb.Error) as exc:
            return {"error": str(exc)}
        with self._lock:
            cursor = self._base.cursor()
            self._active.add(cursor)
        path = self._folder / f"{next(self._names)}.parquet"
        try:
            relation = cursor.sql(sql, params=params)
            relation.write_parquet(str(path))
            return {"path": str(path)}
        except duckdb.Error as exc:
            path.unlink(missing_ok=True)
            return {"error": str(exc)}
        finally:
            with self._lock:
                self._active.discard(cursor)
            cursor.close()

    def close(self) -> None:
        """Stop answering; interrupt answers under way; remove the advert and the folder."""
        remove_advert(self.db_path, READER)
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self._listener.close()
        self._thread.join()
        with self._lock:
            for cursor in self._active:
                with contextlib.suppress(duckdb.Error):
                    cursor.interrupt()
            answering = list(self._answering)
        for thread in answering:
            thread.join()
        self._base.close()
        shutil.rmtree(self._folder, ignore_errors=True)
