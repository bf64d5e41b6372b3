"""``simcash-db recover``: mend a database file that a kill left unopenable."""

from __future__ import annotations

import click

from simcash_db.cli.app import cli, console
from simcash_db.recovery import recover as recover_file


@cli.command()
@click.argument("database", required=False, type=click.Path(dir_okay=False))
@click.pass_obj
def recover(db_path: str, database: str | None) -> None:
    """Mend DATABASE (default: --db) if a kill left it unopenable.

    Tries the ways in turn on copies, keeps the first that opens, reads whole
    and matches its ledger of acknowledged batches; the damaged file is kept
    beside it. A sound file is left as it is."""
    report = recover_file(database or db_path)
    console.print(report.summary())
