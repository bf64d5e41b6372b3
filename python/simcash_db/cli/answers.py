"""`simcash-db costs`, `summary`, `compare`, `chart` and `report`: the answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import click

from simcash_db import analysis
from simcash_db.charts import RUN_KINDS, experiment_chart, format_of, run_chart
from simcash_db.cli.app import cli, console, open_database, show
from simcash_db.cli.listing import Column, Listing
from simcash_db.cli.shown import money, repo_of, require_run
from simcash_db.database import DatabaseManager
from simcash_db.report import experiment_report, featured_runs

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    """One character per value, low to high."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    return "".join(_BARS[(v - low) * (len(_BARS) - 1) // span] for v in values)


@cli.command()
@click.argument("experiment_id")
@click.pass_obj
def costs(db_path: str, experiment_id: str) -> None:
    """The cost curve: iterations down, agents across (* marks an accepted change)."""
    with open_database(db_path, live_runs=()) as db:
        db.setup()
        if repo_of(db).load_experiment(experiment_id) is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        curve = analysis.cost_curve(db, experiment_id).fetchall()
        agents = sorted({row[1] for row in curve})
        by_iteration: dict[int, dict[str, tuple[int, bool | None]]] = defaultdict(dict)
        totals: dict[int, int] = {}
        for iteration, agent, cost, total, accepted, _best in curve:
            by_iteration[iteration][agent] = (cost, accepted)
            totals[iteration] = total
        best = min(totals, key=lambda i: (totals[i], i)) if totals else None
        table = Listing(
            f"{experiment_id}: cost per iteration, cents (* accepted change)",
            [Column("iter", right=True), Column("total", right=True), Column("best"),
             *(Column(agent, drop=1, right=True) for agent in agents)],
        )  # fmt: skip
        for iteration in sorted(by_iteration):
            cells = by_iteration[iteration]
            table.add_row(
                str(iteration),
                money(totals[iteration]),
                "<- best" if iteration == best else "",
                *(
                    money(cells[a][0]) + ("*" if cells[a][1] else "") if a in cells else ""
                    for a in agents
                ),
            )
        show(table)
        ordered = [totals[i] for i in sorted(totals)]
        if ordered:
            console.print(
                f"total: {sparkline(ordered)}  {money(ordered[0])} -> {money(ordered[-1])}"
                f" (best {money(min(ordered))} at iteration {best})"
            )


@cli.command()
@click.argument("simulation_id")
@click.pass_obj
def summary(db_path: str, simulation_id: str) -> None:
    """A run in numbers: events, payments, settlement, delays, costs."""
    with open_database(db_path, live_runs=[simulation_id]) as db:
        db.setup()
        require_run(db, simulation_id)
        relation = analysis.run_summary(db, simulation_id)
        values = dict(zip(relation.columns, relation.fetchall()[0], strict=True))
        by_type = values.pop("events_by_type") or {}
        table = Listing(
            f"{simulation_id}: summary", [Column("measure"), Column("value", right=True)]
        )
        for name, value in values.items():
            if isinstance(value, float):
                text = f"{value:.3f}"
            elif isinstance(value, int):
                text = money(value)
            else:
                text = "-" if value is None else str(value)
            table.add_row(name.replace("_", " "), text)
        show(table)
        types = Listing("events by type", [Column("event type"), Column("events", right=True)])
        for name, count in sorted(by_type.items()):
            types.add_row(name, money(count))
        show(types)


@cli.command()
@click.argument("simulation_a")
@click.argument("simulation_b")
@click.pass_obj
def compare(db_path: str, simulation_a: str, simulation_b: str) -> None:
    """Two runs side by side: costs by agent and kind, and events by type."""
    with open_database(db_path, live_runs=[simulation_a, simulation_b]) as db:
        db.setup()
        require_run(db, simulation_a)
        require_run(db, simulation_b)
        table = Listing(
            f"costs, cents: A = {simulation_a}, B = {simulation_b}",
            [Column("agent"), Column("kind"), Column("A", right=True), Column("B", right=True),
             Column("B - A", right=True)],
        )  # fmt: skip
        for agent, kind, a, b, difference in analysis.compare_runs(
            db, simulation_a, simulation_b
        ).fetchall():
            table.add_row(agent, kind, money(a), money(b), f"{difference:+,}")
        show(table)
        events = Listing("events by type", [Column("event type"), Column("A", right=True),
                                            Column("B", right=True)])  # fmt: skip
        for name, a, b in analysis.compare_event_counts(db, simulation_a, simulation_b).fetchall():
            events.add_row(name, money(a), money(b))
        show(events)


@cli.command()
@click.argument("target")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .png or .svg.")  # fmt: skip
@click.option("--kind", type=click.Choice(RUN_KINDS), default="balances", show_default=True,
              help="For a run: which timeline.")  # fmt: skip
@click.option("--size", default="1000x560", show_default=True, help="WIDTHxHEIGHT in pixels.")
@click.pass_obj
def chart(db_path: str, target: str, output: str, kind: str, size: str) -> None:
    """Draw TARGET: an experiment's cost curve, or a run's timeline (--kind)."""
    try:
        width, height = (int(n) for n in size.lower().split("x"))
    except ValueError:
        raise click.BadParameter(
            f"{size!r}: give WIDTHxHEIGHT, e.g. 1000x560", param_hint="--size"
        ) from None
    with open_database(db_path, live_runs=[target]) as db:
        db.setup()
        fmt = format_of(output)
        if repo_of(db).load_experiment(target) is not None:
            data = experiment_chart(db, target, fmt, width, height)
        else:
            if db.get_simulation_run(target) is None:
                raise click.ClickException(f"no experiment or simulation {target!r}")
            data = run_chart(db, target, kind, fmt, width, height)
    Path(output).write_bytes(data)
    console.print(f"wrote {output} ({width}x{height}, {len(data):,} bytes)")


def report_runs(experiment_id: str) -> Callable[[DatabaseManager], list[str]]:
    """The runs a report reads: the experiment's final and best."""
    return lambda db: [run for run in featured_runs(db, experiment_id) if run]


@cli.command()
@click.argument("experiment_id")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write.")  # fmt: skip
@click.pass_obj
def report(db_path: str, experiment_id: str, output: str) -> None:
    """One self-contained HTML report of an experiment (no network needed to view it)."""
    with open_database(db_path, live_runs=report_runs(experiment_id)) as db:
        db.setup()
        if repo_of(db).load_experiment(experiment_id) is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        page = experiment_report(db, experiment_id)
    Path(output).write_text(page, encoding="utf-8")
    console.print(f"wrote {output} ({len(page):,} bytes)")
