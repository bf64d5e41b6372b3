"""The simcash-db command line, through click's test runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from simcash_db import DatabaseManager
from simcash_db.cli import cli
from simcash_db.schema import META_TABLE, SCHEMA_VERSION


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_init_creates_the_schema_and_info_lists_tables(db_path: Path) -> None:
    code, out = run("--db", str(db_path), "init")
    assert code == 0, out
    assert "simulation_events" in out
    code, out = run("--db", str(db_path), "info")
    assert code == 0, out
    for table in ("experiments", "simulation_runs", "transactions", "simulation_events"):
        assert table in out
    with DatabaseManager(db_path) as db:
        assert db.validate_schema()


def test_info_on_missing_database_is_one_clear_line(tmp_path: Path) -> None:
    code, out = run("--db", str(tmp_path / "absent.duckdb"), "info")
    assert code == 1
    assert out.strip().splitlines() == [
        f"Error: no database at '{tmp_path / 'absent.duckdb'}' (run 'simcash-db init' first)"
    ]
    assert not (tmp_path / "absent.duckdb").exists()


def test_info_refuses_another_schema_version(db_path: Path) -> None:
    run("--db", str(db_path), "init")
    with DatabaseManager(db_path) as db:
        db.conn.execute(f"UPDATE {META_TABLE} SET value = '7' WHERE key = 'schema_version'")
    code, out = run("--db", str(db_path), "info")
    assert code == 1
    assert "schema version 7" in out
    assert "Traceback" not in out


def test_validate_lists_mismatches_and_fails(db_path: Path) -> None:
    run("--db", str(db_path), "init")
    code, out = run("--db", str(db_path), "validate")
    assert (code, out.strip()) == (0, f"ok: {db_path} matches schema v{SCHEMA_VERSION}")
    with DatabaseManager(db_path) as db:
        db.conn.execute("ALTER TABLE transactions DROP COLUMN drop_reason")
    code, out = run("--db", str(db_path), "validate")
    assert code == 1
    assert "mismatch: transactions.drop_reason: missing_column" in out


def test_output_that_cannot_be_written_is_one_line_not_a_traceback(db_path: Path) -> None:
    # /dev/full refuses every write with ENOSPC, as a full disk would.
    assert run("--db", str(db_path), "init")[0] == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from simcash_db.cli import main; main()",
                "--db",
                str(db_path),
                "info",
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["Error: [Errno 28] No space left on device"]
