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

from simcash_db.cli.app import cli, confirm, console, open_database, plural, show, yes_option
from simcash_db.cli.listing import Column, Listing
from simcash_db.database import DatabaseManager
from simcash_db.models import ExperimentRecord, SimulationRunRecord
from simcash_db.repository import ExperimentRepository
from simcash_db.snapshots import SnapshotRepository


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


def repo_of(db: DatabaseManager) -> ExperimentRepository:
    return ExperimentRepository(db)


def _experiment_state(record: ExperimentRecord) -> str:
    # The command could open the file, so no other process is writing it:
    # an experiment without an end is one whose runner stopped.
    return "completed" if record.completed_at is not None else "interrupted"


def _run_state(run: SimulationRunRecord) -> str:
    # Likewise, a run still marked running here is one that was cut short.
    status = run.status.value
    return "interrupted" if status == "running" else status


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
        if experiment_id is not None and repo_of(db).load_experiment(experiment_id) is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        runs = db.list_simulation_runs(experiment_id)
        table = Listing(
            plural(len(runs), "simulation run"),
            [
                Column("simulation"),
                Column("experiment", drop=2),
                Column("iter", drop=3, right=True),
                Column("purpose", drop=3),
                Column("sample", drop=4, right=True),
                Column("status"),
                Column("ticks/day", drop=5, right=True),
                Column("days", drop=5, right=True),
                Column("seed", drop=6, right=True),
                Column("total cost", right=True),
            ],
        )
        for run in runs:
            table.add_row(
                run.simulation_id,
                run.experiment_id or "-",
                "" if run.iteration is None else str(run.iteration),
                run.run_purpose.value,
                "" if run.sample_index is None else str(run.sample_index),
                _run_state(run),
                str(run.ticks_per_day),
                str(run.num_days),
                str(run.rng_seed),
                _money(run.total_cost),
            )
        show(table)


@cli.command()
@click.option("--type", "experiment_type", help="Only experiments of this type.")
@click.pass_obj
def experiments(db_path: str, experiment_type: str | None) -> None:
    """List experiments, newest first."""
    with open_database(db_path) as db:
        db.setup()
        repo = repo_of(db)
        found = repo.list_experiments(experiment_type)
        table = Listing(
            plural(len(found), "experiment"),
            [
                Column("experiment"),
                Column("name", drop=3),
                Column("type", drop=4),
                Column("seed", drop=5, right=True),
                Column("created", drop=2),
                Column("state"),
                Column("iterations", right=True),
                Column("converged", drop=1),
                Column("final cost", right=True),
                Column("best cost", right=True),
            ],
        )
        for e in found:
            table.add_row(
                e.experiment_id,
                e.experiment_name,
                e.experiment_type,
                str(e.master_seed),
                e.created_at.isoformat(timespec="seconds"),
                _experiment_state(e),
                str(len(repo.get_iterations(e.experiment_id))),
                "yes" if e.converged else "no",
                _money(e.final_cost),
                _money(e.best_cost),
            )
        show(table)


@cli.command()
@click.argument("experiment_id")
@click.pass_obj
def experiment(db_path: str, experiment_id: str) -> None:
    """Show one experiment: metadata, iterations with costs, linked runs."""
    with open_database(db_path) as db:
        db.setup()
        repo = repo_of(db)
        record = repo.load_experiment(experiment_id)
        if record is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        stored = repo.get_iterations(experiment_id)
        console.print(
            f"experiment {record.experiment_id}: {record.experiment_name} "
            f"({record.experiment_type}), seed {record.master_seed}; "
            f"{_experiment_state(record)}, {plural(len(stored), 'iteration')} stored"
        )
        console.print(
            f"converged: {'yes' if record.converged else 'no'}"
            f" ({record.convergence_reason or '-'}); final cost "
            f"{_money(record.final_cost) or '-'}, best cost {_money(record.best_cost) or '-'}"
        )
        iterations = Listing(
            "iterations",
            [
                Column("iter", right=True),
                Column("total cost", right=True),
                Column("costs per agent", drop=2),
                Column("accepted", drop=1),
                Column("evaluation run"),
            ],
        )
        for it in stored:
            costs = it.costs_per_agent
            iterations.add_row(
                str(it.iteration),
                _money(sum(costs.values())),
                ", ".join(f"{k}={v:,}" for k, v in costs.items()),
                json.dumps(it.accepted_changes),
                it.evaluation_simulation_id or "-",
            )
        show(iterations)
        runs = Listing(
            "linked runs",
            [
                Column("simulation"),
                Column("iter", right=True),
                Column("purpose", drop=1),
                Column("sample", drop=2, right=True),
                Column("status"),
                Column("total cost", right=True),
            ],
        )
        for run in db.list_simulation_runs(experiment_id):
            runs.add_row(
                run.simulation_id,
                str(run.iteration),
                run.run_purpose.value,
                "" if run.sample_index is None else str(run.sample_index),
                _run_state(run),
                _money(run.total_cost),
            )
        show(runs)


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


@cli.command()
@click.argument("experiment_id")
@yes_option
@click.pass_obj
def delete(db_path: str, experiment_id: str, yes: bool) -> None:
    """Delete an experiment with its iterations, events and runs (and all their rows)."""
    with open_database(db_path, read_only=False) as db:
        db.setup()
        repo = repo_of(db)
        if repo.load_experiment(experiment_id) is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        runs = len(db.list_simulation_runs(experiment_id))
        confirm(
            f"Delete experiment {experiment_id!r} and its {plural(runs, 'run')}, "
            "with every row they hold?",
            yes,
        )
        repo.delete_experiment(experiment_id)
        console.print(f"deleted experiment {experiment_id} and {plural(runs, 'run')}")


@cli.command("delete-run")
@click.argument("simulation_id")
@yes_option
@click.pass_obj
def delete_run(db_path: str, simulation_id: str, yes: bool) -> None:
    """Delete one simulation run and every row it holds."""
    with open_database(db_path, read_only=False) as db:
        db.setup()
        _require_run(db, simulation_id)
        events = db.query_events(simulation_id).count("*").fetchall()[0][0]
        confirm(f"Delete run {simulation_id!r} and its {plural(events, 'event')}?", yes)
        db.delete_simulation(simulation_id)
        console.print(f"deleted run {simulation_id}")


@cli.command()
@click.argument("simulation_id")
@click.pass_obj
def checkpoints(db_path: str, simulation_id: str) -> None:
    """List a run's checkpoints, oldest first."""
    with open_database(db_path) as db:
        db.setup()
        _require_run(db, simulation_id)
        found = SnapshotRepository(db).list_checkpoints(simulation_id)
        table = Listing(
            f"{simulation_id}: {plural(len(found), 'checkpoint')}",
            [
                Column("checkpoint"),
                Column("tick", right=True),
                Column("day", right=True),
                Column("type"),
                Column("saved", drop=2),
                Column("bytes", drop=1, right=True),
                Column("description", drop=3),
            ],
        )
        for c in found:
            table.add_row(
                c.checkpoint_id,
                str(c.checkpoint_tick),
                str(c.checkpoint_day),
                c.checkpoint_type.value,
                c.checkpoint_timestamp.isoformat(timespec="seconds"),
                f"{c.total_size_bytes:,}",
                c.description or "",
            )
        show(table)
