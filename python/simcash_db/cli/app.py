"""The command group, its shared ``--db`` option and one-line error reporting."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import duckdb
from rich.console import Console

from simcash_db.cli.listing import Column, Listing
from simcash_db.connection import is_interrupt
from simcash_db.database import DatabaseManager
from simcash_db.errors import DatabaseInUseError, SimcashDbError
from simcash_db.live import ReadClient
from simcash_db.mirror import RunsWanted, mirror_database

DEFAULT_DB = "simulation_data.duckdb"


# At a terminal, tables fit its width; piped, they are plain text (listing.py).
class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich would exit 1; a reader that stopped early (``| head``) is no error.
        raise BrokenPipeError


# A message wraps at words at a terminal, and is one line when piped.
console = _Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def show(listing: Listing) -> None:
    """Print a table on the command line's console."""
    listing.show(console)


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 iteration``, ``2 iterations``."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


@contextmanager
def open_database(
    db_path: str,
    *,
    create: bool = False,
    read_only: bool = True,
    live_runs: RunsWanted | None = None,
) -> Iterator[DatabaseManager]:
    """Open ``db_path`` for a command; a missing file is an error unless ``create``.

    A read command passes ``live_runs`` (the runs it reads): while another
    process holds the file and answers reads, the command runs on a copy of
    the experiment-level tables and of those runs, taken from that process.
    """
    if not create and db_path != ":memory:" and not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path!r} (run 'simcash-db init' first)")
    try:
        try:
            db = DatabaseManager(db_path, read_only=read_only and not create)
        except DatabaseInUseError:
            holder = ReadClient.find(db_path) if read_only else None
            if holder is None or live_runs is None:
                raise
            db = mirror_database(holder, live_runs)
        with db:
            yield db
    except SimcashDbError as exc:
        raise click.ClickException(str(exc)) from exc


class CommandInterrupted(Exception):
    """Ctrl-C during a command, carried past click (which would print a blank
    line and exit 1) to ``main``."""


class OutputClosed(Exception):
    """The reader of stdout stopped early (``| head``), carried past click
    (which would exit 1) to ``main``, which ends quietly with 0."""


#: Ctrl-C noted (not raised) since start-up, and the handler to put back
#: when the command starts (see ``simcash_db.__main__``).
_deferred: tuple[list[int], Any] | None = None


def _resume_interrupts() -> None:
    """Put Ctrl-C's handler back, and act on a Ctrl-C noted meanwhile."""
    global _deferred
    if _deferred is None:
        return
    (pressed, previous), _deferred = _deferred, None
    signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            _resume_interrupts()
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise CommandInterrupted from exc
        except BrokenPipeError as exc:
            raise OutputClosed from exc


@click.group(cls=_Commands)
@click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    envvar="SIMCASH_DB",
    help="Path of the DuckDB database file; $SIMCASH_DB sets it too.",
)
@click.version_option(package_name="simcash-db", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """Store, inspect and replay payment-simulation runs and experiments."""
    ctx.obj = db_path


def print_counts(db: DatabaseManager) -> None:
    table = Listing(
        f"{db.db_path} (schema v{db.schema_version()})",
        [Column("table"), Column("rows", right=True)],
    )
    for name, count in db.table_counts().items():
        table.add_row(name, f"{count:,}")
    show(table)


def confirm(question: str, yes: bool) -> None:
    """Go on only if ``--yes`` was given or the user says so at a terminal."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.ClickException(f"{question} Refusing without --yes (no terminal to ask).")
    if not click.confirm(question, default=False):
        raise click.ClickException("not confirmed; nothing was changed")


yes_option = click.option("--yes", is_flag=True, help="Do not ask for confirmation.")


@cli.command()
@click.option("--force-recreate", is_flag=True, help="Drop simcash-db's tables first.")
@yes_option
@click.pass_obj
def init(db_path: str, force_recreate: bool, yes: bool) -> None:
    """Create (or check) the database and its schema."""
    with open_database(db_path, create=True, read_only=False) as db:
        if force_recreate:
            counts = db.table_counts()
            if any(counts.values()):
                confirm(
                    f"Delete all {sum(counts.values()):,} rows of simcash-db's tables "
                    f"in {db_path!r}?",
                    yes,
                )
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


INTERRUPTED = 130  # 128 + SIGINT: what shells report for a command stopped by Ctrl-C


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def main(deferred_interrupts: tuple[list[int], Any] | None = None) -> None:
    """Entry point of the ``simcash-db`` script: every error is one line and a
    non-zero exit, Ctrl-C is one line and exit 130; never a traceback.

    ``deferred_interrupts`` (Ctrl-C presses noted, and the SIGINT handler to
    restore) keeps Ctrl-C deferred until the command starts."""
    global _deferred
    _deferred = deferred_interrupts
    # The library's log warnings are for programs; the command says what
    # happened in its one line.
    logging.getLogger("simcash_db").addHandler(logging.NullHandler())
    try:
        try:
            code = cli.main(prog_name="simcash-db", standalone_mode=False)
        finally:
            _resume_interrupts()  # a usage error or --help ends before any command
    except (KeyboardInterrupt, CommandInterrupted, click.exceptions.Abort):
        _fail("Interrupted.", INTERRUPTED)
    except (BrokenPipeError, OutputClosed):
        # The reader stopped early (``| head``): end quietly, as a filter does.
        # Later flushes of stdout, at exit, must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:
        if not _interrupted(exc):
            _report(exc)
        _fail("Interrupted.", INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


def _report(exc: Exception) -> NoReturn:
    """One line for an error, by its kind; re-raised if it is no error of ours."""
    try:
        raise exc
    except click.UsageError as exc:
        # One line, with where to look, instead of click's usage block.
        command = exc.ctx.command_path if exc.ctx is not None else "simcash-db"
        _fail(f"Error: {_one_line(exc.format_message())} (see '{command} --help')", exc.exit_code)
    except click.ClickException as exc:
        _fail(f"Error: {_one_line(exc.format_message())}", exc.exit_code)
    except (SimcashDbError, ValueError, duckdb.Error) as exc:
        # The library's own errors, and DuckDB's (say, a COMMIT that cannot
        # write its log) when no command translated them.
        if is_interrupt(exc):
            _fail("Interrupted.", INTERRUPTED)
        message = _one_line(exc)
        if "permission denied" in message.lower():
            message += (
                " (DuckDB writes a .wal file beside the database: can this user write "
                "to the database's folder?)"
            )
        _fail(f"Error: {message}", 1)
    except OSError as exc:
        # Output that cannot be written (a full disk) or a file the command
        # cannot open.
        _fail(f"Error: {_one_line(exc)}", 1)


def _interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C caused ``exc``: it, or what it was raised while handling,
    is an interrupt (cleanup after Ctrl-C can fail in turn, on a connection
    DuckDB gave up)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt | CommandInterrupted) or is_interrupt(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _fail(message: str, code: int) -> NoReturn:
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr)
    sys.exit(code)
