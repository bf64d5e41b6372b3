"""Every table as Parquet, Hive-partitioned by experiment and run, written by
DuckDB, and moved into place whole.

The export is written into a fresh folder beside the target and renamed into
place at the end, so a reader never sees a half-written export or one mixed
with an earlier export's files. Empty tables are exported too (one file with
the table's schema), JSON columns as plain strings (Polars, pyarrow and Spark
read them as text), and a manifest records the schema version and row counts.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from simcash_db.connection import sql_string
from simcash_db.database import DatabaseManager
from simcash_db.errors import SimcashDbError
from simcash_db.models import ALL_MODELS, TableModel
from simcash_db.schema import SCHEMA_VERSION, table_columns

#: The file that marks a folder as a simcash-db export (and describes it).
MANIFEST = "simcash_db_export.json"


class ExportError(SimcashDbError):
    """The export could not be written where asked; nothing there was changed."""


def export_query(model: type[TableModel]) -> tuple[str, str]:
    """The query of ``model``'s rows to export (JSON as text, with each row's
    ``experiment_id``), and its partition columns."""
    table = model.table_name
    # JSON as VARCHAR: Parquet's JSON annotation makes Polars read bytes.
    json_columns = [c.name for c in table_columns(model) if c.kind == "json"]
    replaced = ", ".join(f"t.{name}::VARCHAR AS {name}" for name in json_columns)
    columns = f"t.* REPLACE ({replaced})" if replaced else "t.*"
    if model.per_simulation:
        # Runs of no experiment go under experiment_id=standalone.
        return (
            f"SELECT {columns}, coalesce(r.experiment_id, 'standalone') AS experiment_id "
            f"FROM {table} t JOIN simulation_runs r USING (simulation_id)",
            "experiment_id, simulation_id",
        )
    if table == "simulation_runs":
        replaced = ", ".join(
            [*(f"t.{name}::VARCHAR AS {name}" for name in json_columns),
             "coalesce(experiment_id, 'standalone') AS experiment_id"]
        )  # fmt: skip
        return f"SELECT t.* REPLACE ({replaced}) FROM {table} t", "experiment_id"
    return f"SELECT {columns} FROM {table} t", "experiment_id"


def _check_target(directory: Path, overwrite: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{str(directory)!r} exists and is not a folder")
    if not directory.is_dir() or not any(directory.iterdir()):
        return
    if not (directory / MANIFEST).is_file() and not overwrite:
        raise ExportError(
            f"{str(directory)!r} is not empty and holds no earlier simcash-db export; "
            "choose an empty or new folder, or pass overwrite (--overwrite) to replace it"
        )


def export_parquet(
    db: DatabaseManager, directory: str | Path, *, overwrite: bool = False
) -> dict[str, int]:
    """Export every table under ``directory``; returns the rows of each table.

    ``directory/<table>/experiment_id=.../[simulation_id=.../]*.parquet``; an
    earlier export there is replaced whole. A folder that is not empty and is
    not an earlier export is refused unless ``overwrite``.

    Examples:
        >>> import tempfile
        >>> with DatabaseManager(":memory:") as db, tempfile.TemporaryDirectory() as tmp:
        ...     db.setup()
        ...     counts = export_parquet(db, f"{tmp}/export")
        ...     sorted(p.name for p in Path(tmp, "export").iterdir())[:3]
        ['agent_queue_snapshots', 'agent_state_registers', 'collateral_events']
    """
    target = Path(directory).absolute()
    _check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    counts: dict[str, int] = {}
    try:
        # One snapshot for every table: the export is consistent.
        with db.conn.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                for model in ALL_MODELS:
                    query, partitions = export_query(model)
                    rows = int(cursor.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0])
                    counts[model.table_name] = rows
                    folder = staging / model.table_name
                    if rows:
                        cursor.execute(
                            f"COPY ({query}) TO {sql_string(folder)} "
                            f"(FORMAT parquet, PARTITION_BY ({partitions}))"
                        )
                    else:
                        # An empty table is one file with the table's schema,
                        # so readers of every table's path find one.
                        folder.mkdir()
                        cursor.execute(
                            f"COPY ({query}) TO {sql_string(folder / 'empty.parquet')} "
                            "(FORMAT parquet)"
                        )
            finally:
                cursor.execute("ROLLBACK")
        manifest = {"schema_version": SCHEMA_VERSION, "database": db.db_path, "rows": counts}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an earlier export there goes only
    after the new one is in place (each rename is atomic)."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
