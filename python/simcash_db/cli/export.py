"""`simcash-db export`: every table as Parquet (see ``simcash_db.parquet_export``)."""

from __future__ import annotations

from pathlib import Path

import click

from simcash_db.cli.app import cli, console, open_database, plural
from simcash_db.parquet_export import MANIFEST, export_parquet


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace DIRECTORY even if it holds something other than an earlier export.",
)
@click.pass_obj
def export(db_path: str, directory: Path, overwrite: bool) -> None:
    """Export every table to Parquet under DIRECTORY, partitioned by experiment and run.

    The export is written beside DIRECTORY and moved into place when whole;
    an earlier export there is replaced.
    """
    with open_database(db_path) as db:
        db.setup()
        counts = export_parquet(db, directory, overwrite=overwrite)
    for table, rows in counts.items():
        console.print(f"{table}: {plural(rows, 'row')}")
    console.print(f"exported to {directory} (manifest: {directory / MANIFEST})")
