"""The Parquet export: every table, exact, readable as text and timestamps by
the usual tools, and never a mix of two exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from simcash_db import DatabaseManager, ExperimentRecorder, ExperimentRepository
from simcash_db.models import ALL_MODELS
from simcash_db.parquet_export import MANIFEST, ExportError, export_parquet
from simcash_db.schema import SCHEMA_VERSION, table_columns
from simcash_db.workload import ExperimentShape, run_synthetic_experiment


@pytest.fixture
def two_experiments(tmp_path: Path) -> Path:
    path = tmp_path / "db.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        for experiment_id, seed in (("exp-a", 1), ("exp-b", 2)):
            recorder = ExperimentRecorder(db)
            run_synthetic_experiment(recorder, experiment_id, seed, ExperimentShape(2, 1, 3, 8, 1))
    return path


def database_rows(db: DatabaseManager, table: str) -> list[tuple[Any, ...]]:
    model = next(m for m in ALL_MODELS if m.table_name == table)
    columns = [f"{c.name}::VARCHAR" if c.kind == "json" else c.name for c in table_columns(model)]
    if table == "simulation_runs":
        columns = [
            "coalesce(experiment_id, 'standalone')" if c == "experiment_id" else c for c in columns
        ]
    return sorted(db.conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)


def exported_rows(directory: Path, table: str) -> list[tuple[Any, ...]]:
    model = next(m for m in ALL_MODELS if m.table_name == table)
    names = ", ".join(c.name for c in table_columns(model))
    rows = duckdb.sql(
        f"SELECT {names} FROM read_parquet('{directory}/{table}/**/*.parquet', "
        "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
    ).fetchall()
    return sorted(rows, key=repr)


def test_every_table_reads_back_equal_with_duckdb_and_pyarrow(
    two_experiments: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    with DatabaseManager(two_experiments, read_only=True) as db:
        counts = export_parquet(db, out)
        assert set(counts) == {m.table_name for m in ALL_MODELS}
        assert any(rows == 0 for rows in counts.values())  # empty tables are exported too
        for model in ALL_MODELS:
            table = model.table_name
            assert exported_rows(out, table) == database_rows(db, table), table
            dataset = ds.dataset(out / table, format="parquet", partitioning="hive")
            arrow = dataset.to_table()
            assert arrow.num_rows == counts[table]
            for column in table_columns(model):
                field = arrow.schema.field(column.name)
                if column.kind == "json":
                    assert pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
                if column.kind == "timestamp":
                    assert pa.types.is_timestamp(field.type), (table, column.name)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["rows"] == counts


def test_exporting_again_replaces_the_earlier_export_whole(
    two_experiments: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    with DatabaseManager(two_experiments) as db:
        export_parquet(db, out)
        ExperimentRepository(db).delete_experiment("exp-a")
        export_parquet(db, out)
        assert exported_rows(out, "simulation_events") == database_rows(db, "simulation_events")
    assert not (out / "simulation_events" / "experiment_id=exp-a").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.duckdb", "export"]  # no leftovers


def test_a_folder_that_is_not_an_export_is_refused_unless_overwrite(
    two_experiments: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with DatabaseManager(two_experiments, read_only=True) as db:
        with pytest.raises(ExportError, match="holds no earlier simcash-db export"):
            export_parquet(db, out)
        assert (out / "notes.txt").read_text() == "keep me"
        export_parquet(db, out, overwrite=True)
    assert not (out / "notes.txt").exists()
    assert (out / MANIFEST).is_file()
