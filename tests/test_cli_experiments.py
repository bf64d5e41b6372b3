"""The command line on a database made by the demo, errors included."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from simcash_db import DatabaseManager
from simcash_db.cli import cli


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(path),
            "demo",
            "--iterations",
            "3",
            "--bootstrap-samples",
            "2",
            "--banks",
            "4",
            "--ticks-per-day",
            "10",
            "--days",
            "2",
            "--experiment-id",
            "exp-x",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "simulation_events" in result.output
    assert "events/s" in result.output
    return path


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_simulations_lists_linked_runs(demo_db: Path) -> None:
    code, out = run(demo_db, "simulations")
    assert code == 0, out
    assert "11 simulation runs" in out  # initial + 3 x (evaluation + 2 samples) + final
    assert "exp-x-iter1-bootstrap-sample1" in out
    assert "evaluation" in out
    # An unknown experiment is an error, as `experiment other` is, not an empty table.
    code, out = run(demo_db, "simulations", "--experiment", "other")
    assert (code, out) == (1, "Error: no experiment 'other'\n")


def test_experiments_and_experiment(demo_db: Path) -> None:
    code, out = run(demo_db, "experiments")
    assert (code, "exp-x" in out) == (0, True)
    code, out = run(demo_db, "experiment", "exp-x")
    assert code == 0, out
    assert "exp-x-iter2-evaluation" in out
    assert "linked runs" in out
    with DatabaseManager(demo_db, read_only=True) as db:
        (final,) = [r for r in db.list_simulation_runs("exp-x") if r.run_purpose == "final"]
    assert final.simulation_id in out


def test_events_filters_and_json(demo_db: Path) -> None:
    code, out = run(
        demo_db, "events", "exp-x-iter0-evaluation", "--type", "Arrival", "--limit", "3", "--json"
    )
    assert code == 0, out
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3
    assert {e["event_type"] for e in lines} == {"Arrival"}
    with DatabaseManager(demo_db, read_only=True) as db:
        assert lines == db.get_events("exp-x-iter0-evaluation", event_type="Arrival", limit=3)


def test_replay_prints_json_lines_only(demo_db: Path) -> None:
    code, out = run(demo_db, "replay", "exp-x-iter0-evaluation", "--ticks", "0", "2")
    assert code == 0, out
    events = [json.loads(line) for line in out.splitlines()]
    with DatabaseManager(demo_db, read_only=True) as db:
        assert events == db.get_events("exp-x-iter0-evaluation", tick_range=(0, 2))
    assert [list(e)[:2] for e in events] == [["event_type", "tick"]] * len(events)


def test_replay_as_text_prints_each_tick_in_order(demo_db: Path) -> None:
    code, out = run(
        demo_db, "replay", "exp-x-iter0-evaluation", "--ticks", "0", "2", "--format", "text"
    )
    assert code == 0, out
    headers = [line for line in out.splitlines() if line.startswith("--- tick")]
    assert headers == ["--- tick 0 ---", "--- tick 1 ---", "--- tick 2 ---"]
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    with DatabaseManager(demo_db, read_only=True) as db:
        assert events == db.get_events("exp-x-iter0-evaluation", tick_range=(0, 2))


def test_bootstrap_runs_keep_no_events_or_transactions(demo_db: Path) -> None:
    code, out = run(demo_db, "events", "exp-x-iter0-bootstrap-sample0", "--json")
    assert (code, out) == (0, "")


def test_export_writes_partitioned_parquet(demo_db: Path, tmp_path: Path) -> None:
    code, out = run(demo_db, "export", str(tmp_path / "out"))
    assert code == 0, out
    parts = sorted(
        p.name for p in (tmp_path / "out" / "simulation_events" / "experiment_id=exp-x").iterdir()
    )
    assert "simulation_id=exp-x-iter0-evaluation" in parts
    exported = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/out/transactions/**/*.parquet', "
        "hive_partitioning = true)"
    ).fetchall()[0][0]
    with DatabaseManager(demo_db, read_only=True) as db:
        assert exported == db.table_counts()["transactions"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("events", "nope"), "Error: no simulation 'nope'"),
        (("replay", "nope"), "Error: no simulation 'nope'"),
        (("experiment", "nope"), "Error: no experiment 'nope'"),
    ],
)
def test_unknown_ids_are_one_clear_line(demo_db: Path, args: tuple[str, ...], message: str) -> None:
    code, out = run(demo_db, *args)
    assert (code, out.strip()) == (1, message)


@pytest.mark.parametrize("command", ["simulations", "experiments", "validate"])
def test_missing_database_is_one_clear_line(tmp_path: Path, command: str) -> None:
    code, out = run(tmp_path / "none.duckdb", command)
    assert code == 1
    assert out.strip().startswith("Error: no database at")


def test_the_demo_is_deterministic(tmp_path: Path) -> None:
    args = [
        "demo",
        "--iterations",
        "2",
        "--bootstrap-samples",
        "1",
        "--banks",
        "3",
        "--ticks-per-day",
        "5",
        "--days",
        "1",
    ]
    dumps = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.duckdb"
        assert run(path, *args)[0] == 0
        with DatabaseManager(path, read_only=True) as db:
            dumps.append(
                [
                    db.conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                    for table in (
                        "simulation_events",
                        "transactions",
                        "simulation_runs",
                        "experiment_iterations",
                    )
                ]
            )
    events_one, events_two = dumps[0][0], dumps[1][0]
    assert events_one == events_two and events_one
    assert dumps[0][1:3] == dumps[1][1:3]
