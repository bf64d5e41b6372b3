"""`simcash-db export`: every table as Parquet, Hive-partitioned, written by DuckDB."""

from __future__ import annotations

from pathlib import Path

import click

from simcash_db.cli.app import cli, console, open_database
from simcash_db.models import ALL_MODELS


def export_parquet(db_path: str, directory: Path) -> dict[str, int]:
    """Writes ``directory/<table>/experiment_id=.../[simulation_id=.../]*.parquet``."""
    counts = {}
    with open_database(db_path) as db:
        db.setup()
        directory.mkdir(parents=True, exist_ok=True)
        for model in ALL_MODELS:
            table = model.table_name
            if model.per_simulation:
                # Runs of no experiment go under experiment_id=standalone.
                query = (
                    f"SELECT t.*, coalesce(r.experiment_id, 'standalone') AS experiment_id "
                    f"FROM {table} t JOIN simulation_runs r USING (simulation_id)"
                )
                partitions = "experiment_id, simulation_id"
            elif table == "simulation_runs":
                query = (
                    f"SELECT * REPLACE (coalesce(experiment_id, 'standalone') "
                    f"AS experiment_id) FROM {table}"
                )
                partitions = "experiment_id"
            else:
                query, partitions = f"SELECT * FROM {table}", "experiment_id"
            rows = db.conn.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
            counts[table] = int(rows)
            if rows:
                target = str(directory / table).replace("'", "''")
                db.conn.execute(
                    f"COPY ({query}) TO '{target}' (FORMAT parquet, PARTITION_BY ({partitions}), "
                    "OVERWRITE_OR_IGNORE true)"
                )
    return counts


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def export(db_path: str, directory: Path) -> None:
    """Export every table to Parquet under DIRECTORY, partitioned by experiment and run."""
    counts = export_parquet(db_path, directory)
    for table, rows in counts.items():
        if rows:
            console.print(f"{table}: {rows:,} rows -> {directory / table}")
