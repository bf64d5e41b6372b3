"""A database's rows copied into memory from the process that holds it.

The read commands (``simcash-db experiments``, ``events``, ``report``...) run
unchanged on the copy while another process records into the file: every
experiment-level table whole (they are small), and of the per-run tables only
the runs a command names. Each table is copied in one answer, parents before
children; a child row whose parent arrived after the parent's copy is left out,
so the copy keeps every link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

from simcash_db.connection import sql_string
from simcash_db.database import DatabaseManager
from simcash_db.live import ReadClient
from simcash_db.models import ALL_MODELS, TableModel

#: The runs a command needs, given the experiment-level copy.
RunsWanted = Sequence[str] | Callable[[DatabaseManager], Sequence[str]]


EXPERIMENT_LEVEL = tuple(m for m in ALL_MODELS if not m.per_simulation)
PER_RUN = tuple(m for m in ALL_MODELS if m.per_simulation)


def _linked(model: type[TableModel]) -> str:
    """A condition keeping the rows whose parents are in the copy."""
    conditions = []
    for fk in model.foreign_keys:
        matches = " AND ".join(
            f"p.{ref} = src.{col}" for col, ref in zip(fk.columns, fk.ref_columns, strict=True)
        )
        nulls = " OR ".join(f"src.{col} IS NULL" for col in fk.columns)
        conditions.append(f"({nulls} OR EXISTS (SELECT 1 FROM {fk.table} p WHERE {matches}))")
    return " AND ".join(conditions) or "TRUE"


def _copy(
    client: ReadClient,
    db: DatabaseManager,
    model: type[TableModel],
    where: str,
    params: list[object],
) -> None:
    table = model.table_name
    path = client.query(f"SELECT * FROM {table} WHERE {where}", params)
    try:
        db.conn.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet({sql_string(path)}) src "
            f"WHERE {_linked(model)}"
        )
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def mirror_database(client: ReadClient, runs: RunsWanted = ()) -> DatabaseManager:
    """An in-memory database holding what ``client``'s process holds of the
    experiment-level tables, and of ``runs`` (ids, or a function of the copy
    that names them). The caller closes it."""
    db = DatabaseManager(":memory:")
    try:
        db.setup()
        for model in EXPERIMENT_LEVEL:
            _copy(client, db, model, "TRUE", [])
        wanted = list(runs(db) if callable(runs) else runs)
        if wanted:
            for model in PER_RUN:
                _copy(client, db, model, "list_contains(?, simulation_id)", [wanted])
    except BaseException:
        db.close()
        raise
    return db
