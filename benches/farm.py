"""Farm benchmark: one experiment recorded by 1 and by 2 workers, and the
merge's throughput against DuckDB's own copy between two files.

    python benches/farm.py               # the README's table
    python benches/farm.py --quick       # smaller workload

Prints, from one run, best of --repeats, the paths taking turns:
  (1) the synthetic experiment in one process, (f1) the same on a farm of one
      worker process, (f2) on two: the same database each time (INV-2).
      Only the bootstrap samples (and the old policy's samples that the
      decision compares them with) go to the farm; the shape has many of
      them, and long runs, so simulating is most of the work, as in a real
      policy search. On 2 cores, (1)/(f2) is bounded by the coordinator's
      serial share (the evaluation runs, merging), printed as "serial".
  (m) DatabaseManager.merge of a shard (its runs in one transaction, as
      the default batch of 10 M events holds them), and (m1) with a
      transaction per run, into an empty database, against (c) one
      INSERT ... SELECT per table between the same two files in one
      transaction; rows/s and the ratios to (c).
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.experiments import ExperimentPersistencePolicy, SimulationPersistenceLevel
from simcash_db.models import ALL_MODELS
from simcash_db.workload import ExperimentShape, run_synthetic_experiment


def record(directory: Path, shape: ExperimentShape, executor: Executor | None) -> float:
    path = directory / "farm.duckdb"
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    with DatabaseManager(path) as db:
        db.setup()
        run_synthetic_experiment(ExperimentRecorder(db), "bench", 11, shape, executor=executor)
    return time.perf_counter() - start


def serial_share(directory: Path, shape: ExperimentShape) -> float:
    """The time the coordinator spends outside the farm's work, in one process."""
    no_samples = ExperimentShape(shape.iterations, 0, shape.banks, shape.ticks_per_day, shape.days)
    return record(directory, no_samples, None)


def make_shard(directory: Path, shape: ExperimentShape) -> tuple[Path, int]:
    """A shard holding a whole experiment, every run stored in full."""
    path = directory / "shard.duckdb"
    full = SimulationPersistenceLevel.FULL
    with DatabaseManager(path) as db:
        db.setup()
        policy = ExperimentPersistencePolicy(bootstrap=full)
        run_synthetic_experiment(ExperimentRecorder(db, policy=policy), "shard", 5, shape)
        db.conn.execute("CHECKPOINT")
        rows = sum(
            int(db.conn.execute(f"SELECT count(*) FROM {m.table_name}").fetchall()[0][0])
            for m in ALL_MODELS
        )
    return path, rows


def empty_target(directory: Path, template: Path) -> Path:
    target = directory / "main.duckdb"
    target.unlink(missing_ok=True)
    target.with_name("main.duckdb.wal").unlink(missing_ok=True)
    shutil.copy(template, target)
    return target


def merge(shard: Path, target: Path) -> None:
    with DatabaseManager(target) as db:
        db.merge(shard)


def merge_per_run(shard: Path, target: Path) -> None:
    with DatabaseManager(target) as db:
        db.merge(shard, batch_events=1)


def copy(shard: Path, target: Path) -> None:
    """The floor: DuckDB copying every table between the files, no checks, one transaction."""
    with DatabaseManager(target) as db:
        db.conn.execute(f"ATTACH '{shard}' AS shard (READ_ONLY)")
        db.conn.execute("BEGIN TRANSACTION")
        for model in ALL_MODELS:  # in dependency order: the foreign keys hold
            table = model.table_name
            db.conn.execute(f"INSERT INTO {table} SELECT * FROM shard.{table}")
        db.conn.execute("COMMIT")
        db.conn.execute("DETACH shard")


def best_interleaved(repeats: int, runs: dict[str, Callable[[], float]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(run())
    return {name: min(taken) for name, taken in times.items()}


def timed(run: Callable[[], None]) -> Callable[[], float]:
    def measure() -> float:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    return measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    farm_shape = (
        ExperimentShape(iterations=2, bootstrap_samples=4, banks=10, ticks_per_day=50, days=2)
        if args.quick
        else ExperimentShape(iterations=3, bootstrap_samples=8, banks=25, ticks_per_day=100, days=2)
    )
    shard_shape = (
        ExperimentShape(iterations=2, bootstrap_samples=2, banks=10, ticks_per_day=50, days=2)
        if args.quick
        else ExperimentShape(iterations=3, bootstrap_samples=4, banks=25, ticks_per_day=100, days=3)
    )
    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(dir=".") as tmp,
        ProcessPoolExecutor(1, mp_context=spawn) as one,
        ProcessPoolExecutor(2, mp_context=spawn) as two,
    ):
        directory = Path(tmp)
        # Warm the workers (process start, imports) outside the timings.
        list(one.map(abs, [1]))
        list(two.map(abs, [1, 2]))
        farm = best_interleaved(
            args.repeats,
            {
                "(1)  one process": lambda: record(directory, farm_shape, None),
                "(f1) farm, 1 worker": lambda: record(directory, farm_shape, one),
                "(f2) farm, 2 workers": lambda: record(directory, farm_shape, two),
                "serial": lambda: serial_share(directory, farm_shape),
            },
        )
        shard, rows = make_shard(directory, shard_shape)
        template = directory / "empty.duckdb"
        with DatabaseManager(template) as db:
            db.setup()
        target = directory / "main.duckdb"

        def fresh(run: Callable[[Path, Path], None]) -> Callable[[], float]:
            def measure() -> float:
                empty_target(directory, template)
                start = time.perf_counter()
                run(shard, target)
                return time.perf_counter() - start

            return measure

        merged = best_interleaved(
            args.repeats,
            {"(m)": fresh(merge), "(m1)": fresh(merge_per_run), "(c)": fresh(copy)},
        )
    simulations = farm_shape.simulations
    print(f"farm: {farm_shape} ({simulations} recorded simulations), best of {args.repeats}")
    print(f"{'path':<24} {'seconds':>8} {'vs (1)':>7}")
    for name, seconds in farm.items():
        print(f"{name:<24} {seconds:8.2f} {farm['(1)  one process'] / seconds:7.2f}x")
    print(f"\nmerge: one shard of {rows:,} rows ({shard_shape}), best of {args.repeats}")
    print(f"{'path':<32} {'seconds':>8} {'rows/s':>12}")
    for name, label in (
        ("(m)", "(m) DatabaseManager.merge"),
        ("(m1)", "(m1) merge, a transaction per run"),
        ("(c)", "(c) INSERT ... SELECT"),
    ):
        print(f"{label:<32} {merged[name]:8.2f} {rows / merged[name]:12,.0f}")
    print(f"(m)/(c) = {merged['(c)'] / merged['(m)']:.2f} (target >= 0.8); "
          f"(m1)/(c) = {merged['(c)'] / merged['(m1)']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
