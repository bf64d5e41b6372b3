"""Commands that look at what is stored: runs, experiments, events, replay."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.table import Table

from simcash_db.cli.app import cli, console, open_database
from simcash_db.database import DatabaseManager
from simcash_db.repository import ExperimentRepository


@contextmanager
def quiet_broken_pipe() -> Iterator[None]:
    """A reader that stops early (``| head``) ends the command quietly, exit 0."""
    try:
        yield
    except BrokenPipeError:
        # Later flushes of stdout (at exit) must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _money(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _require_run(db: DatabaseManager, simulation_id: str) -> None:
    if db.get_simulation_run(simulation_id) is None:
        raise click.ClickException(f"no simulation {simulation_id!r}")


@cli.command()
@click.option("--experiment", "experiment_id", help="Only the runs of this experiment.")
@click.pass_obj
def simulations(db_path: str, experiment_id: str | None) -> None:
    """List simulation runs, standalone and experiment-linked."""
    with open_database(db_path) as db:
        db.setup()
        runs = db.list_simulation_runs(experiment_id)
        table = Table(title=f"{len(runs)} simulation runs")
        for column in (
            "simulation",
            "experiment",
            "iter",
            "purpose",
            "sample",
            "status",
            "ticks/day",
            "days",
            "seed",
            "total cost",
        ):
            table.add_column(column, justify="right" if column in ("iter", "sample") else "left")
        for run in runs:
            table.add_row(
                run.simulation_id,
                run.experiment_id or "-",
                "" if run.iteration is None else str(run.iteration),
                run.run_purpose.value,
                "" if run.sample_index is None else str(run.sample_index),
                run.status.value,
                str(run.ticks_per_day),
                str(run.num_days),
                str(run.rng_seed),
                _money(run.total_cost),
            )
        console.print(table)


@cli.command()
@click.option("--type", "experiment_type", help="Only experiments of this type.")
@click.pass_obj
def experiments(db_path: str, experiment_type: str | None) -> None:
    """List experiments, newest first."""
    with open_database(db_path) as db:
        db.setup()
        found = ExperimentRepository(db).list_experiments(experiment_type)
        table = Table(title=f"{len(found)} experiments")
        for column in (
            "experiment",
            "name",
            "type",
            "seed",
            "created",
            "iterations",
            "converged",
            "final cost",
            "best cost",
        ):
            table.add_column(column)
        for e in found:
            table.add_row(
                e.experiment_id,
                e.experiment_name,
                e.experiment_type,
                str(e.master_seed),
                e.created_at.isoformat(timespec="seconds"),
                str(e.num_iterations),
                "yes" if e.converged else "no",
                _money(e.final_cost),
                _money(e.best_cost),
            )
        console.print(table)


@cli.command()
@click.argument("experiment_id")
@click.pass_obj
def experiment(db_path: str, experiment_id: str) -> None:
    """Show one experiment: metadata, iterations with costs, linked runs."""
    with open_database(db_path) as db:
        db.setup()
        repo = ExperimentRepository(db)
        record = repo.load_experiment(experiment_id)
        if record is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        console.print(
            f"experiment {record.experiment_id}: {record.experiment_name} "
            f"({record.experiment_type}), seed {record.master_seed}"
        )
        console.print(
            f"converged: {'yes' if record.converged else 'no'}"
            f" ({record.convergence_reason or '-'}); final cost "
            f"{_money(record.final_cost) or '-'}, best cost {_money(record.best_cost) or '-'}"
        )
        iterations = Table(title="iterations")
        for column in ("iter", "total cost", "costs per agent", "accepted", "evaluation run"):
            iterations.add_column(column)
        for it in repo.get_iterations(experiment_id):
            costs = it.costs_per_agent
            iterations.add_row(
                str(it.iteration),
                _money(sum(costs.values())),
                ", ".join(f"{k}={v:,}" for k, v in costs.items()),
                json.dumps(it.accepted_changes),
                it.evaluation_simulation_id or "-",
            )
        console.print(iterations)
        runs = Table(title="linked runs")
        for column in ("simulation", "iter", "purpose", "sample", "total cost"):
            runs.add_column(column)
        for run in db.list_simulation_runs(experiment_id):
            runs.add_row(
                run.simulation_id,
                str(run.iteration),
                run.run_purpose.value,
                "" if run.sample_index is None else str(run.sample_index),
                _money(run.total_cost),
            )
        console.print(runs)


_filters = [
    click.option("--tick", type=int, help="Only this tick."),
    click.option("--ticks", "tick_range", type=(int, int), help="Ticks FROM TO, inclusive."),
    click.option("--day", type=int, help="Only this day."),
    click.option("--agent", "agent_id", help="Only events of this agent."),
    click.option("--tx", "tx_id", help="Only events of this transaction."),
    click.option("--type", "event_type", multiple=True, help="Only this event type (repeatable)."),
]
_FILTER_NAMES = ("tick", "tick_range", "day", "agent_id", "tx_id", "event_type")


def with_filters(command: Any) -> Any:
    """Adds the event filter options; the command gets them as one ``selection`` dict."""

    @functools.wraps(command)
    def packed(*args: Any, **kwargs: Any) -> Any:
        selection = {name: kwargs.pop(name) for name in _FILTER_NAMES}
        selection["event_type"] = list(selection["event_type"]) or None
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
    with open_database(db_path) as db:
        db.setup()
        _require_run(db, simulation_id)
        if as_json:
            with quiet_broken_pipe():
                for block in db.iter_event_lines(
                    simulation_id, limit=limit, offset=offset, **selection
                ):
                    sys.stdout.buffer.write(block)
                sys.stdout.buffer.flush()
            return
        found = db.get_events(simulation_id, limit=limit, offset=offset, **selection)
        table = Table(title=f"{simulation_id}: events {offset}..{offset + len(found)}")
        for column in ("tick", "type", "fields"):
            table.add_column(column)
        for event in found:
            rest = {k: v for k, v in event.items() if k not in ("tick", "event_type")}
            table.add_row(str(event["tick"]), event["event_type"], json.dumps(rest))
        console.print(table)


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
    with open_database(db_path) as db:
        db.setup()
        _require_run(db, simulation_id)
        with quiet_broken_pipe():
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
