"""`simcash-db events` and `replay`: a run's events, filtered, as tables or JSON lines."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

import click

from simcash_db.cli.app import cli, console, open_database, show
from simcash_db.cli.listing import Column, Listing
from simcash_db.cli.shown import require_run
from simcash_db.database import DatabaseManager
from simcash_db.readers import FILTER_NAMES

_filters = [
    click.option("--tick", type=int, help="Only this tick."),
    click.option("--ticks", "tick_range", type=(int, int), help="Ticks FROM TO, inclusive."),
    click.option("--day", type=int, help="Only this day."),
    click.option("--agent", "agent_id", help="Only events of this agent."),
    click.option("--tx", "tx_id", help="Only events of this transaction."),
    click.option("--type", "event_type", multiple=True, help="Only this event type (repeatable)."),
]
# The readers' filters but paging, which the commands give options of their own.
_FILTER_NAMES = tuple(name for name in FILTER_NAMES if name not in ("limit", "offset"))


def with_filters(command: Any) -> Any:
    """Adds the event filter options; the command gets them as one ``selection`` dict."""

    @functools.wraps(command)
    def packed(*args: Any, **kwargs: Any) -> Any:
        selection = {name: kwargs.pop(name) for name in _FILTER_NAMES}
        selection["event_type"] = list(selection["event_type"]) or None
        ticks = selection["tick_range"]
        if ticks is not None and ticks[0] > ticks[1]:
            raise click.BadParameter(
                f"{ticks[0]} {ticks[1]}: FROM is after TO (did you mean {ticks[1]} {ticks[0]}?)",
                param_hint="--ticks",
            )
        return command(*args, selection=selection, **kwargs)

    for option in reversed(_filters):
        packed = option(packed)
    return packed


@cli.command()
@click.argument("simulation_id")
@with_filters
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def events(
    db_path: str,
    simulation_id: str,
    selection: dict[str, Any],
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """Show a run's events, filtered and paged."""
    with open_database(db_path, live_runs=[simulation_id]) as db:
        db.setup()
        require_run(db, simulation_id)
        if as_json:
            for block in db.iter_event_lines(
                simulation_id, limit=limit, offset=offset, **selection
            ):
                sys.stdout.buffer.write(block)
            sys.stdout.buffer.flush()
            return
        found = db.get_events(simulation_id, limit=limit, offset=offset, **selection)
        if not found:
            _say_nothing_matched(db, simulation_id, selection, offset)
            return
        total = db.query_events(simulation_id, **selection).count("*").fetchall()[0][0]
        first, last = offset + 1, offset + len(found)
        table = Listing(
            f"{simulation_id}: events {first:,}-{last:,} of {total:,} (in write order)",
            [Column("tick", right=True), Column("type"), Column("fields")],
        )
        for event in found:
            rest = {k: v for k, v in event.items() if k not in ("tick", "event_type")}
            table.add_row(str(event["tick"]), event["event_type"], json.dumps(rest))
        show(table)


def _say_nothing_matched(
    db: DatabaseManager, simulation_id: str, selection: dict[str, Any], offset: int
) -> None:
    """An empty result, said plainly: with the run's event types when a type was asked for."""
    stored = db.query_events(simulation_id).count("*").fetchall()[0][0]
    if offset and stored:
        console.print(f"{simulation_id}: no events past the first {offset:,} that match")
        return
    console.print(f"{simulation_id}: no events match ({stored:,} stored)")
    if selection.get("event_type"):
        types = db.query_events(simulation_id).aggregate("event_type").order("event_type")
        names = ", ".join(row[0] for row in types.fetchall())
        console.print(f"event types of this run: {names or 'none'}")


@cli.command()
@click.argument("simulation_id")
@with_filters
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "text"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one JSON object per line and nothing else (for jq and scripts); "
    "text: the same lines under a '--- tick N ---' line per tick.",
)
@click.pass_obj
def replay(db_path: str, simulation_id: str, selection: dict[str, Any], output_format: str) -> None:
    """Replay a run: its events in order, as the simulator emitted them."""
    with open_database(db_path, live_runs=[simulation_id]) as db:
        db.setup()
        require_run(db, simulation_id)
        if output_format == "jsonl":
            out = sys.stdout.buffer
            for block in db.iter_event_lines(simulation_id, **selection):
                out.write(block)
            out.flush()
            return
        current = None
        for event in db.iter_events(simulation_id, **selection):
            if event["tick"] != current:
                current = event["tick"]
                click.echo(f"--- tick {current} ---")
            click.echo(json.dumps(event))
