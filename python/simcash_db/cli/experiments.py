"""`simcash-db experiments`, `experiment ID` and `delete`: the stored experiments."""

from __future__ import annotations

import json

import click

from simcash_db.cli.app import cli, confirm, console, open_database, plural, show, yes_option
from simcash_db.cli.listing import Column, Listing
from simcash_db.cli.shown import experiment_state, money, repo_of, run_state


@cli.command()
@click.option("--type", "experiment_type", help="Only experiments of this type.")
@click.pass_obj
def experiments(db_path: str, experiment_type: str | None) -> None:
    """List experiments, newest first."""
    with open_database(db_path, live_runs=()) as db:
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
                experiment_state(e),
                str(len(repo.get_iterations(e.experiment_id))),
                "yes" if e.converged else "no",
                money(e.final_cost),
                money(e.best_cost),
            )
        show(table)


@cli.command()
@click.argument("experiment_id")
@click.pass_obj
def experiment(db_path: str, experiment_id: str) -> None:
    """Show one experiment: metadata, iterations with costs, linked runs."""
    with open_database(db_path, live_runs=()) as db:
        db.setup()
        repo = repo_of(db)
        record = repo.load_experiment(experiment_id)
        if record is None:
            raise click.ClickException(f"no experiment {experiment_id!r}")
        stored = repo.get_iterations(experiment_id)
        console.print(
            f"experiment {record.experiment_id}: {record.experiment_name} "
            f"({record.experiment_type}), seed {record.master_seed}; "
            f"{experiment_state(record)}, {plural(len(stored), 'iteration')} stored"
        )
        console.print(
            f"converged: {'yes' if record.converged else 'no'}"
            f" ({record.convergence_reason or '-'}); final cost "
            f"{money(record.final_cost) or '-'}, best cost {money(record.best_cost) or '-'}"
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
                money(sum(costs.values())),
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
                run_state(run),
                money(run.total_cost),
            )
        show(runs)


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
