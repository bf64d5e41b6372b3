"""`simcash-db export`: every table as Parquet (``simcash_db.parquet_export``),
or experiments added to a shared lake (``simcash_db.lake``)."""

from __future__ import annotations

from pathlib import Path

import click

from simcash_db.cli.app import cli, console, open_database, plural
from simcash_db.lake import LAKE_MARK, export_to_lake
from simcash_db.parquet_export import MANIFEST, export_parquet


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace DIRECTORY even if it holds something other than an earlier export.",
)
@click.option(
    "--append",
    is_flag=True,
    help="Add experiments to a shared lake at DIRECTORY, replacing only their partitions.",
)
@click.option(
    "--experiment",
    "experiment_ids",
    multiple=True,
    metavar="ID",
    help="With --append: only this experiment (repeat for more); default: every experiment.",
)
@click.pass_obj
def export(
    db_path: str, directory: Path, overwrite: bool, append: bool, experiment_ids: tuple[str, ...]
) -> None:
    """Export every table to Parquet under DIRECTORY, partitioned by experiment and run.

    The export is written beside DIRECTORY and moved into place when whole;
    an earlier export there is replaced.

    With --append, DIRECTORY is a lake that several databases export into:
    each experiment's partition of each table (DIRECTORY/TABLE/experiment_id=ID/)
    is written aside and renamed into place, so readers never see a partial
    one. Runs of no experiment are not added to a lake.
    """
    if experiment_ids and not append:
        raise click.UsageError("--experiment needs --append (a full export holds every run)")
    if append and overwrite:
        raise click.UsageError("--overwrite is for a full export; --append replaces partitions")
    with open_database(db_path) as db:
        db.setup()
        if not append:
            counts = export_parquet(db, directory, overwrite=overwrite)
            for table, rows in counts.items():
                console.print(f"{table}: {plural(rows, 'row')}")
            console.print(f"exported to {directory} (manifest: {directory / MANIFEST})")
            return
        if not experiment_ids:
            found = db.conn.execute("SELECT experiment_id FROM experiments ORDER BY ALL")
            experiment_ids = tuple(r[0] for r in found.fetchall())
            if not experiment_ids:
                raise click.ClickException(f"{db_path} holds no experiment to add to a lake")
        for experiment_id in experiment_ids:
            counts = export_to_lake(db, directory, experiment_id)
            console.print(
                f"experiment {experiment_id}: {plural(sum(counts.values()), 'row')} "
                f"in {plural(len(counts), 'table')} added to {directory}"
            )
    console.print(f"(manifests: {directory / LAKE_MARK})")
