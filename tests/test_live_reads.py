"""Read commands answer while another process holds the file (simcash_db.live)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simcash_db import DatabaseInUseError, DatabaseManager
from simcash_db.errors import LiveReadError
from simcash_db.live import READER, ReadClient, RemoteSource, advert_path
from simcash_db.mirror import mirror_database

# A recording process: records a small synthetic experiment, says "ready", then
# holds the file (recording one more standalone run per line it reads) until
# its stdin closes.
HOLDER = """
import sys
from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.workload import ExperimentShape, run_synthetic_experiment, simulate_run
with DatabaseManager(sys.argv[1]) as db:
    db.setup()
    run_synthetic_experiment(ExperimentRecorder(db), "exp", 3, ExperimentShape(3, 1, 3, 10, 2))
    print("ready", flush=True)
    for n, line in enumerate(sys.stdin):
        ExperimentRecorder(db).start_experiment(f"more-{n}", "castro", "policy_search", {}, 1)
        print("recorded", flush=True)
"""

COMMANDS = [
    ["experiments"],
    ["experiment", "exp"],
    ["costs", "exp"],
    ["simulations", "--experiment", "exp"],
    ["summary", "exp-iter1-evaluation"],
    ["compare", "exp-iter0-evaluation", "exp-iter1-evaluation"],
    ["events", "exp-iter1-evaluation", "--limit", "40", "--json"],
    ["replay", "exp-iter2-final"],
    ["checkpoints", "exp-iter1-evaluation"],
]


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "simcash_db", "--db", str(db), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    db = tmp_path / "held.duckdb"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        yield process
        if process.poll() is None:
            process.kill()


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0


def test_read_commands_answer_from_the_holder_as_they_would_from_the_file(
    holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    db = tmp_path / "held.duckdb"
    with pytest.raises(DatabaseInUseError):
        DatabaseManager(db, read_only=True)
    live = {tuple(args): cli(db, *args) for args in COMMANDS}
    live_chart = cli(db, "chart", "exp", "-o", str(tmp_path / "live.svg"))
    live_report = cli(db, "report", "exp", "-o", str(tmp_path / "live.html"))
    release(holder)
    assert not advert_path(db, READER).exists()  # the holder took its advert away
    for args, answer in live.items():
        direct = cli(db, *args)
        assert answer.returncode == 0, (args, answer.stderr)
        assert answer.stdout == direct.stdout, args
        assert len(answer.stdout) > 80, args
    assert live_chart.returncode == 0 and live_report.returncode == 0, live_report.stderr
    cli(db, "chart", "exp", "-o", str(tmp_path / "direct.svg"))
    cli(db, "report", "exp", "-o", str(tmp_path / "direct.html"))
    assert (tmp_path / "live.svg").read_bytes() == (tmp_path / "direct.svg").read_bytes()
    assert (tmp_path / "live.html").read_text() == (tmp_path / "direct.html").read_text()


def test_what_the_holder_commits_shows_in_the_next_answer(
    holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    db = tmp_path / "held.duckdb"
    assert holder.stdin is not None and holder.stdout is not None
    before = cli(db, "experiments").stdout
    assert "more-0" not in before
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.stdout.readline() == "recorded\n"
    assert "more-0" in cli(db, "experiments").stdout
    release(holder)


def test_unknown_ids_and_writes_are_refused_in_one_line(
    holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    db = tmp_path / "held.duckdb"
    missing = cli(db, "summary", "no-such-run")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "no-such-run" in missing.stderr
    # A command that writes still needs the file: the holder's in-use error.
    deleting = cli(db, "delete", "exp", "--yes")
    assert deleting.returncode == 1 and "in use" in deleting.stderr
    client = ReadClient.find(db)
    assert client is not None
    for statement in ("DELETE FROM experiments", "SELECT 1; SELECT 2", "CHECKPOINT",
                      "ATTACH 'x.duckdb'", "COPY experiments TO 'x.csv'", "not sql"):  # fmt: skip
        with pytest.raises(LiveReadError):
            client.query(statement)
    release(holder)
    with DatabaseManager(db, read_only=True) as reopened:
        assert reopened.table_counts()["experiments"] == 1


def test_a_remote_source_answers_the_analysis_queries(
    holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    from simcash_db import analysis

    db = tmp_path / "held.duckdb"
    client = ReadClient.find(db)
    assert client is not None
    with RemoteSource(client) as source:
        live_curve = analysis.cost_curve(source, "exp").fetchall()
        live_summary = analysis.run_summary(source, "exp-iter0-evaluation").fetchall()
        files = list(Path(client.socket_path).parent.glob("*.parquet"))
        assert files  # answered as Parquet, kept while the source reads them
    assert not list(Path(client.socket_path).parent.glob("*.parquet"))
    with mirror_database(client, ["exp-iter0-evaluation"]) as copy:
        counts = copy.table_counts()
        assert counts["simulation_events"] > 0
        assert counts["experiments"] == 1
    release(holder)
    with DatabaseManager(db, read_only=True) as direct:
        assert analysis.cost_curve(direct, "exp").fetchall() == live_curve
        assert analysis.run_summary(direct, "exp-iter0-evaluation").fetchall() == live_summary
        events = direct.table_counts()["simulation_events"]
    assert counts["simulation_events"] < events  # one run's events, not all


def test_a_killed_holder_leaves_a_stale_advert_that_nobody_follows(
    holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    db = tmp_path / "held.duckdb"
    holder.kill()
    holder.wait()
    advert = advert_path(db, READER)
    assert json.loads(advert.read_text())["pid"] == holder.pid
    assert ReadClient.find(db) is None
    deadline = time.monotonic() + 10
    while True:  # the OS releases the dead holder's lock
        try:
            with DatabaseManager(db) as reopened:
                assert reopened.table_counts()["experiments"] == 1
                assert ReadClient.find(db) is not None  # now this process answers
            break
        except DatabaseInUseError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert not advert.exists()
