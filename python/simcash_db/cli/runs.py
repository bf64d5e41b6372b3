"""`simcash-db simulations`, `checkpoints` and `delete-run`: the stored runs."""

from __future__ import annotations

import click

from simcash_db.cli.app import cli, confirm, console, open_database, plural, show, yes_option
from simcash_db.cli.listing import Column, Listing
from simcash_db.cli.shown import money, repo_of, require_run, run_state
from simcash_db.snapshots import SnapshotRepository


@cli.command()
@click.option("--experiment", "experiment_id", help="Only the runs of this experiment.")
@click.pass_obj
def simulations(db_path: str, experiment_id: str | None) -> None:
    """List simulation runs, standalone and experiment-linked."""
    with open_database(db_path, live_runs=()) as db:
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
                run_state(run),
                str(run.ticks_per_day),
                str(run.num_days),
                str(run.rng_seed),
                money(run.total_cost),
            )
        show(table)


@cli.command()
@click.argument("simulation_id")
@click.pass_obj
def checkpoints(db_path: str, simulation_id: str) -> None:
    """List a run's checkpoints, oldest first."""
    with open_database(db_path, live_runs=[simulation_id]) as db:
        db.setup()
        require_run(db, simulation_id)
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


@cli.command("delete-run")
@click.argument("simulation_id")
@yes_option
@click.pass_obj
def delete_run(db_path: str, simulation_id: str, yes: bool) -> None:
    """Delete one simulation run and every row it holds."""
    with open_database(db_path, read_only=False) as db:
        db.setup()
        require_run(db, simulation_id)
        events = db.query_events(simulation_id).count("*").fetchall()[0][0]
        confirm(f"Delete run {simulation_id!r} and its {plural(events, 'event')}?", yes)
        db.delete_simulation(simulation_id)
        console.print(f"deleted run {simulation_id}")


@cli.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--into", "into", help="The database to merge into (default: --db).")
@click.pass_obj
def merge(db_path: str, shards: tuple[str, ...], into: str | None) -> None:
    """Fold worker shards (simcash-db databases of their own) into one database."""
    with open_database(into or db_path, create=True, read_only=False) as db:
        db.setup()
        for shard in shards:
            result = db.merge(shard)
            console.print(
                f"{shard}: {plural(len(result.merged_runs), 'run')} merged, "
                f"{len(result.skipped_runs):,} already there, "
                f"{sum(result.rows.values()):,} rows copied"
            )
