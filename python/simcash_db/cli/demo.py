"""`simcash-db demo`: a synthetic experiment into the database, with progress."""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import click
from rich.progress import Progress

from simcash_db.cli.app import DEFAULT_DB, cli, console, open_database, plural, print_counts
from simcash_db.experiments import ExperimentRecorder
from simcash_db.workload import ExperimentShape, run_synthetic_experiment


class _TimedRecorder(ExperimentRecorder):
    """Measures the time spent simulating and recording runs, for the rate shown."""

    seconds = 0.0
    rows = 0

    def record_run(self, *args: Any, **kwargs: Any) -> str | None:
        start = time.perf_counter()
        simulation_id = super().record_run(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        if simulation_id is not None:
            self.rows += self.db.conn.execute(
                "SELECT count(*) FROM simulation_events WHERE simulation_id = ?", [simulation_id]
            ).fetchall()[0][0]
        return simulation_id


@cli.command()
@click.option("--experiment-id", default="demo", show_default=True)
@click.option("--seed", default=42, show_default=True)
@click.option("--iterations", default=5, show_default=True)
@click.option("--bootstrap-samples", default=3, show_default=True)
@click.option("--banks", default=10, show_default=True)
@click.option("--ticks-per-day", default=100, show_default=True)
@click.option("--days", default=3, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes for the bootstrap samples (each records into a shard, merged after).",
)
@click.pass_obj
def demo(
    db_path: str,
    experiment_id: str,
    seed: int,
    iterations: int,
    bootstrap_samples: int,
    banks: int,
    ticks_per_day: int,
    days: int,
    workers: int,
) -> None:
    """Run a synthetic policy-search experiment into the database, then show what was stored."""
    shape = ExperimentShape(iterations, bootstrap_samples, banks, ticks_per_day, days)
    with open_database(db_path, create=True, read_only=False) as db:
        db.setup()
        recorder = _TimedRecorder(db)
        with contextlib.ExitStack() as stack:
            # Piped, there is nothing to redraw: no bar, and no blank line it leaves.
            progress = stack.enter_context(
                Progress(console=console, transient=True, disable=not console.is_terminal)
            )
            # Spawned, not forked: the parent holds DuckDB's threads and locks.
            spawn = multiprocessing.get_context("spawn")
            executor = (
                stack.enter_context(ProcessPoolExecutor(workers, mp_context=spawn))
                if workers > 1
                else None
            )
            task = progress.add_task("simulating", total=shape.simulations)
            record = run_synthetic_experiment(
                recorder,
                experiment_id,
                seed,
                shape,
                on_simulation=lambda _id, _run: progress.advance(task),
                executor=executor,
            )
        print_counts(db)
        console.print(
            f"experiment {record.experiment_id}: {plural(record.num_iterations, 'iteration')}, "
            f"best cost {record.best_cost:,} cents, final cost {record.final_cost:,} cents"
        )
        rate = recorder.rows / recorder.seconds if recorder.seconds else 0.0
        console.print(
            f"simulated and stored {recorder.rows:,} events in {recorder.seconds:.2f} s "
            f"({rate:,.0f} events/s, runs and rows included)"
        )
        runs = db.list_simulation_runs(record.experiment_id)
        final = next((r.simulation_id for r in runs if r.run_purpose.value == "final"), None)
        shown = final or (runs[-1].simulation_id if runs else None)
        prefix = "simcash-db" if db_path == DEFAULT_DB else f"simcash-db --db {db_path}"
        console.print(
            f"\nstored experiment {record.experiment_id!r} with {plural(len(runs), 'run')}"
            + (f", e.g. {', '.join(r.simulation_id for r in runs[:2])}" if runs else "")
        )
        console.print("next, try:")
        console.print(f"  {prefix} experiment {record.experiment_id}")
        if shown is not None:
            console.print(f"  {prefix} events {shown} --limit 10")
            console.print(f"  {prefix} replay {shown} | head")
