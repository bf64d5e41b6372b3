"""Asking the process that holds a database for rows (see ``live.service``)."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from simcash_db.connection import sql_string
from simcash_db.errors import LiveReadError
from simcash_db.live.adverts import READER, read_advert

#: How long an answer may take (a whole run's events is well under a second).
ANSWER_TIMEOUT_S = 120.0


class ReadClient:
    """Sends SELECTs to the ``ReadService`` of the process holding ``db_path``."""

    def __init__(self, db_path: str, socket_path: str, pid: int) -> None:
        self.db_path = db_path
        self.socket_path = socket_path
        self.pid = pid

    @classmethod
    def find(cls, db_path: str | Path) -> ReadClient | None:
        """The client of the process that holds ``db_path`` and answers reads, if one does."""
        advert = read_advert(db_path, READER)
        if advert is None or not isinstance(advert.fields.get("socket"), str):
            return None
        return cls(str(db_path), advert.fields["socket"], advert.pid)

    def query(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> Path:
        """The rows of ``sql`` as a Parquet file (the caller removes it)."""
        bound: Any = dict(params) if isinstance(params, Mapping) else list(params)
        request = json.dumps({"sql": sql, "params": bound}, default=str).encode() + b"\n"
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(ANSWER_TIMEOUT_S)
                conn.connect(self.socket_path)
                conn.sendall(request)
                with conn.makefile("rb") as answers:
                    line = answers.readline()
        except OSError as exc:
            raise LiveReadError(
                f"the process holding {self.db_path} (pid {self.pid}) did not answer: {exc}"
            ) from exc
        try:
            answer = json.loads(line)
        except ValueError:
            raise LiveReadError(
                f"the process holding {self.db_path} (pid {self.pid}) closed without answering"
            ) from None
        if "error" in answer:
            raise LiveReadError(f"the process holding {self.db_path} refused: {answer['error']}")
        return Path(answer["path"])


class RemoteSource:
    """Relations over the answers of a ``ReadClient``, read by a DuckDB of its own.

    What the analysis queries take in place of a manager while another process
    holds the file: ``sql`` runs there, the rows come back as Parquet, and the
    relation returned reads them here. Close it (or use ``with``) to remove them.
    """

    def __init__(self, client: ReadClient) -> None:
        self.client = client
        self.conn = duckdb.connect()
        self._files: list[Path] = []

    def sql(
        self, query: str, params: Sequence[object] | Mapping[str, object] = ()
    ) -> duckdb.DuckDBPyRelation:
        path = self.client.query(query, params)
        self._files.append(path)
        return self.conn.sql(f"SELECT * FROM read_parquet({sql_string(path)})")

    def close(self) -> None:
        self.conn.close()
        for path in self._files:
            with contextlib.suppress(OSError):
                path.unlink()
        self._files.clear()

    def __enter__(self) -> RemoteSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
