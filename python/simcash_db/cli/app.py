"""The command group, its shared ``--db`` option and one-line error reporting."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from simcash_db.database import DatabaseManager
from simcash_db.errors import SimcashDbError

DEFAULT_DB = "simulation_data.duckdb"

# Piped output (scripts, tests) gets wide tables rather than truncated cells.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)


@contextmanager
def open_database(
    db_path: str, *, create: bool = False, read_only: bool = True
) -> Iterator[DatabaseManager]:
    """Open ``db_path`` for a command; a missing file is an error unless ``create``."""
    if not create and db_path != ":memory:" and not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path!r} (run 'simcash-db init' first)")
    try:
        with DatabaseManager(db_path, read_only=read_only and not create) as db:
            yield db
    except SimcashDbError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    envvar="SIMCASH_DB",
    help="Path of the DuckDB database file.",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """Store, inspect and replay payment-simulation runs and experiments."""
    ctx.obj = db_path


def print_counts(db: DatabaseManager) -> None:
    table = Table(title=f"{db.db_path} (schema v{db.schema_version()})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in db.table_counts().items():
        table.add_row(name, f"{count:,}")
    console.print(table)


@cli.command()
@click.option("--force-recreate", is_flag=True, help="Drop simcash-db's tables first.")
@click.pass_obj
def init(db_path: str, force_recreate: bool) -> None:
    """Create (or check) the database and its schema."""
    with open_database(db_path, create=True, read_only=False) as db:
        if force_recreate:
            db.initialize_schema(force_recreate=True)
        db.setup()
        print_counts(db)


@cli.command()
@click.pass_obj
def info(db_path: str) -> None:
    """Print the database's tables and row counts."""
    with open_database(db_path) as db:
        db.setup()
        print_counts(db)


@cli.command()
@click.pass_obj
def validate(db_path: str) -> None:
    """Check the database against the schema; list every mismatch."""
    with open_database(db_path) as db:
        version = db.schema_version()
        mismatches = db.schema_mismatches()
        if not mismatches:
            console.print(f"ok: {db_path} matches schema v{version}")
            return
        for mismatch in mismatches:
            console.print(f"mismatch: {mismatch}")
        raise click.ClickException(f"{len(mismatches)} schema mismatch(es)")


def main() -> None:
    """Entry point of the ``simcash-db`` script."""
    try:
        sys.exit(cli.main(standalone_mode=True))
    except OSError as exc:
        # Output that cannot be written (a full disk; click handles a closed
        # pipe) or a file the command cannot open: one line, like every error.
        with contextlib.suppress(OSError):
            print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
