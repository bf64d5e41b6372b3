"""The lake: experiments of separate databases exported into one shared
Hive-partitioned folder, read whole by DuckDB and by Apache Spark with every
table's row count and BIGINT sums equal to the databases'."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.cli import cli
from simcash_db.lake import LAKE_MARK, export_to_lake, partition_name
from simcash_db.models import ALL_MODELS
from simcash_db.parquet_export import ExportError
from simcash_db.schema import SCHEMA_VERSION, table_columns
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

# An id a partition folder must escape, read back equal by both engines.
ODD_ID = "exp b/2 = 'é'\x00"
EXPERIMENTS = {"exp-a": 1, ODD_ID: 2}
TABLES = [m.table_name for m in ALL_MODELS]


def record(path: Path, experiment_id: str, seed: int, shape: ExperimentShape) -> None:
    with DatabaseManager(path) as db:
        db.setup()
        run_synthetic_experiment(ExperimentRecorder(db), experiment_id, seed, shape)


def bigint_columns(table: str) -> list[str]:
    model = next(m for m in ALL_MODELS if m.table_name == table)
    return [c.name for c in table_columns(model) if c.sql_type == "BIGINT"]


def totals(conn: duckdb.DuckDBPyConnection, source: str, table: str) -> list[Any]:
    """Per experiment: the row count and the sum of every BIGINT column."""
    sums = "".join(f", sum({c})::HUGEINT" for c in bigint_columns(table))
    return sorted(
        conn.execute(
            f"SELECT experiment_id, count(*){sums} FROM {source} GROUP BY experiment_id"
        ).fetchall()
    )


def database_totals(paths: list[Path], table: str) -> list[Any]:
    out = []
    for path in paths:
        with DatabaseManager(path, read_only=True) as db:
            source = (
                f"(SELECT t.*, r.experiment_id FROM {table} t "
                "JOIN simulation_runs r USING (simulation_id))"
                if next(m for m in ALL_MODELS if m.table_name == table).per_simulation
                else table
            )
            out += [t for t in totals(db.conn, source, table) if t[0] is not None]
    return sorted(out)


def lake_source(lake: Path, table: str) -> str:
    return (
        f"read_parquet('{lake}/{table}/*/*.parquet', hive_partitioning = true, "
        "hive_types = {'experiment_id': VARCHAR})"
    )


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Two databases, each exported by its own `simcash-db export --append`."""
    root = tmp_path_factory.mktemp("lake")
    paths = []
    for experiment_id, seed in EXPERIMENTS.items():
        path = root / f"{seed}.duckdb"
        record(path, experiment_id, seed, ExperimentShape(2, 2, 3, 8, 1))
        result = CliRunner().invoke(
            cli, ["--db", str(path), "export", str(root / "lake"), "--append"]
        )
        assert result.exit_code == 0, result.output
        paths.append(path)
    return root / "lake", paths


def test_duckdb_reads_the_whole_lake_equal_to_the_databases(lake: tuple[Path, list[Path]]) -> None:
    folder, paths = lake
    for table in TABLES:
        expected = database_totals(paths, table)
        assert totals(duckdb.connect(), lake_source(folder, table), table) == expected, table
    assert sorted(p.name for p in (folder / "simulation_events").iterdir()) == sorted(
        partition_name(e) for e in EXPERIMENTS
    )
    manifests = [json.loads(p.read_text()) for p in (folder / LAKE_MARK).iterdir()]
    assert sorted(m["experiment_id"] for m in manifests) == sorted(EXPERIMENTS)
    assert all(m["schema_version"] == SCHEMA_VERSION for m in manifests)
    assert not any((folder / "_staging").iterdir())


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        # Experiment ids stay strings, even ids that look like numbers.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_reads_the_whole_lake_equal_to_the_databases(
    lake: tuple[Path, list[Path]], spark: Any
) -> None:
    from pyspark.sql import functions as F

    folder, paths = lake
    for table in TABLES:
        frame = spark.read.parquet(str(folder / table))
        sums = [F.sum(c).cast("decimal(38,0)") for c in bigint_columns(table)]
        rows = frame.groupBy("experiment_id").agg(F.count("*"), *sums).collect()
        # Spark's sums are Decimals; a sum of no values is None in both.
        got = sorted((row[0], *(None if v is None else int(v) for v in row[1:])) for row in rows)
        assert got == database_totals(paths, table), table
    # What Spark makes of the column types: JSON is text, TIMESTAMP has no zone.
    types = dict(spark.read.parquet(str(folder / "simulation_runs")).dtypes)
    assert types["config_json"] == "string"
    assert types["start_time"] == "timestamp_ntz"
    assert types["total_cost"] == "bigint"
    assert types["experiment_id"] == "string"


def test_exporting_again_replaces_exactly_that_experiments_partitions(tmp_path: Path) -> None:
    a, b, folder = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "lake"
    record(a, "exp-a", 1, ExperimentShape(2, 2, 3, 8, 1))
    record(b, "exp-b", 2, ExperimentShape(1, 1, 3, 8, 1))
    for path, experiment_id in ((a, "exp-a"), (b, "exp-b")):
        with DatabaseManager(path, read_only=True) as db:
            export_to_lake(db, folder, experiment_id)
    before_b = totals(
        duckdb.connect(), lake_source(folder, "simulation_events"), "simulation_events"
    )
    record(a, "exp-a", 3, ExperimentShape(1, 0, 3, 8, 1))  # the experiment, recorded anew
    with DatabaseManager(a, read_only=True) as db:
        export_to_lake(db, folder, "exp-a")
    for table in TABLES:
        got = totals(duckdb.connect(), lake_source(folder, table), table)
        assert got == database_totals([a, b], table), table
    after_b = totals(
        duckdb.connect(), lake_source(folder, "simulation_events"), "simulation_events"
    )
    assert [t for t in after_b if t[0] == "exp-b"] == [t for t in before_b if t[0] == "exp-b"]


def test_a_reader_sees_the_old_or_the_new_partition_never_a_mix(tmp_path: Path) -> None:
    small, large, folder = tmp_path / "s.duckdb", tmp_path / "l.duckdb", tmp_path / "lake"
    record(small, "exp", 1, ExperimentShape(1, 0, 3, 8, 1))
    record(large, "exp", 1, ExperimentShape(2, 2, 3, 8, 1))
    counts = {}
    for path in (small, large):
        with DatabaseManager(path, read_only=True) as db:
            counts[path] = export_to_lake(db, folder, "exp")["simulation_events"]
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        conn = duckdb.connect()
        while not stop.is_set():
            seen.add(
                conn.execute(
                    f"SELECT count(*) FROM {lake_source(folder, 'simulation_events')}"
                ).fetchall()[0][0]
            )

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(6):
            with DatabaseManager((small, large)[round_ % 2], read_only=True) as db:
                export_to_lake(db, folder, "exp")
    finally:
        stop.set()
        reader.join()
    assert seen and seen <= set(counts.values())


def test_a_folder_that_is_not_a_lake_or_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    record(path, "exp-a", 1, ExperimentShape(1, 0, 2, 4, 1))
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with DatabaseManager(path, read_only=True) as db:
        with pytest.raises(ExportError, match="not a simcash-db lake"):
            export_to_lake(db, other, "exp-a")
        with pytest.raises(ExportError, match="no experiment 'ghost'"):
            export_to_lake(db, tmp_path / "lake", "ghost")
        export_to_lake(db, tmp_path / "lake", "exp-a")
        manifest = tmp_path / "lake" / LAKE_MARK / f"{partition_name('exp-a')}.json"
        manifest.write_text(json.dumps({"schema_version": SCHEMA_VERSION - 1}))
        with pytest.raises(ExportError, match=f"schema version {SCHEMA_VERSION - 1}"):
            export_to_lake(db, tmp_path / "lake", "exp-a")
    assert (other / "notes.txt").read_text() == "mine"


def test_the_cli_says_what_it_added_and_refuses_mixed_options(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    record(path, "exp-a", 1, ExperimentShape(1, 0, 2, 4, 1))
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        ["--db", str(path), "export", str(tmp_path / "lake"), "--append", "--experiment", "exp-a"],
    )
    assert ok.exit_code == 0, ok.output
    assert "experiment exp-a:" in ok.output
    bad = runner.invoke(
        cli, ["--db", str(path), "export", str(tmp_path / "x"), "--experiment", "exp-a"]
    )
    assert bad.exit_code != 0
    assert "--experiment needs --append" in bad.output


def test_without_an_atomic_exchange_a_partition_is_still_replaced_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where renameat2 is missing (an NFS, say), the old partition is renamed
    away just before the new one moves in."""
    import simcash_db.lake as lake_module

    monkeypatch.setattr(lake_module, "_exchange", lambda a, b: False)
    small, large, folder = tmp_path / "s.duckdb", tmp_path / "l.duckdb", tmp_path / "lake"
    record(small, "exp", 1, ExperimentShape(1, 0, 3, 8, 1))
    record(large, "exp", 1, ExperimentShape(2, 2, 3, 8, 1))
    for path in (large, small):
        with DatabaseManager(path, read_only=True) as db:
            export_to_lake(db, folder, "exp")
    for table in TABLES:
        got = totals(duckdb.connect(), lake_source(folder, table), table)
        assert got == database_totals([small], table), table
    assert not any((folder / "_staging").iterdir())
