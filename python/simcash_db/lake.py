"""A shared Parquet lake: many databases, on many machines, each adding its
experiments to one Hive-partitioned folder that DuckDB, Spark or Polars read
as one set of tables.

Layout: ``LAKE/<table>/experiment_id=<id>/data_0.parquet``, one partition
per table and experiment (an experiment with no rows in a table still gets a
file with the table's schema, so every table is readable). Each partition is
written under ``LAKE/_staging`` and renamed into place whole, so a reader
never sees a partial one; re-exporting an experiment replaces exactly its
partitions (an atomic exchange where the file system offers one). A manifest
per experiment, ``LAKE/_simcash_db_lake/<id>.json``, records the schema
version and row counts. Folders starting with ``_`` are not tables, and
Spark skips them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from simcash_db.connection import sql_string
from simcash_db.database import DatabaseManager
from simcash_db.models import ALL_MODELS
from simcash_db.parquet_export import ExportError, export_query
from simcash_db.schema import SCHEMA_VERSION

#: The folder of per-experiment manifests that marks a folder as a lake.
LAKE_MARK = "_simcash_db_lake"
_STAGING = "_staging"

# What Spark escapes in a partition value (it decodes %XX byte by byte, so
# non-ASCII stays raw), plus the space, which DuckDB escapes.
_ESCAPED = {chr(c) for c in range(0x20)} | set(" \"#%'*/:=?\\\x7f{[]^")


def partition_name(experiment_id: str) -> str:
    """The partition folder of ``experiment_id``, as DuckDB and Spark decode it.

    Examples:
        >>> partition_name("exp 1/a")
        'experiment_id=exp%201%2Fa'
    """
    escaped = "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in experiment_id)
    return f"experiment_id={escaped}"


def export_to_lake(
    db: DatabaseManager, directory: str | Path, experiment_id: str
) -> dict[str, int]:
    """Add (or replace) ``experiment_id``'s partitions in the lake at
    ``directory``; returns the rows written to each table.

    Examples:
        >>> import tempfile
        >>> from simcash_db.models import ExperimentRecord
        >>> from simcash_db.repository import ExperimentRepository
        >>> with DatabaseManager(":memory:") as db, tempfile.TemporaryDirectory() as lake:
        ...     db.setup()
        ...     ExperimentRepository(db).save_experiment(ExperimentRecord(
        ...         experiment_id="exp-1", experiment_name="n", experiment_type="t",
        ...         config={}, master_seed=1))
        ...     counts = export_to_lake(db, lake, "exp-1")
        ...     counts["experiments"], sorted(p.name for p in Path(lake, "experiments").iterdir())
        (1, ['experiment_id=exp-1'])
    """
    lake = Path(directory).absolute()
    _check_lake(lake)
    found = db.conn.execute(
        "SELECT count(*) FROM experiments WHERE experiment_id = ?", [experiment_id]
    ).fetchall()[0][0]
    if not found:
        raise ExportError(f"no experiment {experiment_id!r} in {db.db_path}")
    (lake / LAKE_MARK).mkdir(parents=True, exist_ok=True)
    (lake / _STAGING).mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=lake / _STAGING))
    partition = partition_name(experiment_id)
    try:
        counts = _write_partitions(db, staging, experiment_id)
        manifest = {"schema_version": SCHEMA_VERSION, "database": db.db_path,
                    "experiment_id": experiment_id, "rows": counts}  # fmt: skip
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        for model in ALL_MODELS:
            table = lake / model.table_name
            table.mkdir(exist_ok=True)
            _replace(staging / model.table_name, table / partition, staging / "old")
        (staging / "manifest.json").rename(lake / LAKE_MARK / f"{partition}.json")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts


def _check_lake(lake: Path) -> None:
    if lake.exists() and not lake.is_dir():
        raise ExportError(f"{str(lake)!r} exists and is not a folder")
    if not lake.is_dir() or not any(lake.iterdir()):
        return
    if not (lake / LAKE_MARK).is_dir():
        raise ExportError(
            f"{str(lake)!r} is not empty and is not a simcash-db lake; "
            "choose an empty or new folder, or a lake that earlier exports made"
        )
    for manifest in (lake / LAKE_MARK).glob("*.json"):
        version = json.loads(manifest.read_text()).get("schema_version")
        if version != SCHEMA_VERSION:
            raise ExportError(
                f"the lake {str(lake)!r} holds exports of schema version {version} "
                f"({manifest.name}); this database is version {SCHEMA_VERSION}: "
                "migrate the databases, or export into another lake"
            )


def _write_partitions(db: DatabaseManager, staging: Path, experiment_id: str) -> dict[str, int]:
    """Every table's rows of the experiment, one file per table, from one snapshot."""
    counts: dict[str, int] = {}
    with db.conn.cursor() as cursor:
        cursor.execute("BEGIN TRANSACTION")
        try:
            for model in ALL_MODELS:
                query, _ = export_query(model)
                # The partition column lives in the folder name, not the file.
                rows = f"SELECT * EXCLUDE (experiment_id) FROM ({query}) WHERE experiment_id = ?"
                counts[model.table_name] = int(
                    cursor.execute(f"SELECT count(*) FROM ({rows})", [experiment_id]).fetchall()[0][
                        0
                    ]
                )
                folder = staging / model.table_name
                folder.mkdir()
                target = sql_string(folder / "data_0.parquet")
                cursor.execute(f"COPY ({rows}) TO {target} (FORMAT parquet)", [experiment_id])
        finally:
            cursor.execute("ROLLBACK")
    return counts


def _replace(new: Path, target: Path, old: Path) -> None:
    """Put ``new`` at ``target``; an earlier ``target`` is exchanged with it in
    one step where the file system can, else renamed away just before."""
    if not target.exists():
        new.rename(target)
        return
    if _exchange(new, target):
        new.rename(old)  # ``new`` now names the earlier partition
    else:
        target.rename(old)
        new.rename(target)
    shutil.rmtree(old)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)
