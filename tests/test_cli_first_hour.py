"""The command line as a newcomer meets it: every error one line, tables that
fit, confirmations before deleting, Ctrl-C anywhere one line and exit 130."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

import simcash_db.cli.app as app
from simcash_db import DatabaseManager, ExperimentRepository
from simcash_db.cli.app import main

SCRIPT = Path(sys.executable).parent / "simcash-db"
SMALL_DEMO = ["demo", "--iterations", "2", "--bootstrap-samples", "1", "--banks", "4",
              "--ticks-per-day", "10", "--days", "1"]  # fmt: skip


def run_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """The real entry point in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["simcash-db", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    out, err = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hour") / "demo.duckdb"
    done = subprocess.run(
        [SCRIPT, "--db", path, *SMALL_DEMO], check=True, capture_output=True, text=True
    )
    # Piped, the output is the report alone: no progress bar, nor the blank
    # line a finished one leaves.
    assert done.stdout.splitlines()[0].strip(), done.stdout
    return path


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.write_bytes(random.Random(1).randbytes(5000)), "is not a DuckDB database"),
        (lambda p: p.write_text("hello\n"), "is not a DuckDB database"),
        (lambda p: p.write_bytes(b""), "is not a DuckDB database"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
    ids=["random-bytes", "text", "empty", "directory"],
)
@pytest.mark.parametrize("command", ["info", "init"])
def test_a_path_that_is_no_database_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make: object,
    expected: str,
    command: str,
) -> None:
    path = tmp_path / "x.duckdb"
    make(path)  # type: ignore[operator]
    code, _, err = run_main(capsys, monkeypatch, "--db", str(path), command)
    assert code == 1
    line = one_error_line(err)
    assert expected in line and str(path) in line


def test_a_missing_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nope" / "x.duckdb"
    code, _, err = run_main(capsys, monkeypatch, "--db", str(path), "init")
    assert code == 1
    assert "the folder" in one_error_line(err) and "does not exist" in err


def as_another_user() -> list[str]:
    """A command prefix that drops root (root may write anywhere)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "setpriv (util-linux) is needed to test as a non-root user"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_a_folder_the_user_may_not_write_is_one_line(tmp_path: Path, demo_db: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    existing = folder / "demo.duckdb"
    shutil.copy(demo_db, existing)
    existing.chmod(0o666)
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    env = {**os.environ, "HOME": str(tmp_path)}
    for args in (
        ["--db", str(folder / "new.duckdb"), "init"],
        ["--db", str(folder / "new.duckdb"), *SMALL_DEMO],
        # The file opens, but the commit cannot create its WAL beside it.
        ["--db", str(existing), *SMALL_DEMO, "--experiment-id", "another"],
    ):
        done = subprocess.run(
            [*as_another_user(), SCRIPT, *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == 1, done.stderr
        assert "ermission denied" in one_error_line(done.stderr)


def test_version_and_help_say_what_a_newcomer_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_main(capsys, monkeypatch, "--version")
    assert (code, out) == (0, "simcash-db 0.1.0\n")
    code, out, _ = run_main(capsys, monkeypatch, "--help")
    assert "$SIMCASH_DB" in out


def test_a_usage_error_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    code, _, err = run_main(
        capsys, monkeypatch, "--db", str(demo_db), "events", "demo-iter0-evaluation",
        "--ticks", "12", "10",
    )  # fmt: skip
    assert code == 2
    assert "FROM is after TO" in one_error_line(err)


def test_no_matching_event_type_lists_the_run_types(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    code, out, _ = run_main(
        capsys, monkeypatch, "--db", str(demo_db), "events", "demo-iter0-evaluation",
        "--type", "Settlement",
    )  # fmt: skip
    assert code == 0
    assert "no events match" in out
    assert "event types of this run: Arrival," in out


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize(
    "args", [["simulations"], ["experiments"], ["experiment", "demo"], ["info"]]
)
def test_tables_fit_the_terminal_and_never_cut_ids_or_money(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo_db: Path,
    width: int,
    args: list[str],
) -> None:
    monkeypatch.setattr(app, "console", Console(force_terminal=True, width=width, no_color=True))
    code, out, _ = run_main(capsys, monkeypatch, "--db", str(demo_db), *args)
    assert code == 0
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)  # the terminal's styles
    table_lines = [line for line in out.splitlines() if set(line) & set("│┃━─┏┗┡└")]
    assert table_lines
    assert max(len(line) for line in table_lines) <= width
    assert "…" not in out
    with DatabaseManager(demo_db, read_only=True) as db:
        runs = db.list_simulation_runs()
    if args[0] in ("simulations", "experiment"):
        for run in runs:
            assert run.simulation_id in out  # whole, on one line
            assert f"{run.total_cost:,}" in out


def test_piped_tables_are_plain_and_not_padded(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    code, out, _ = run_main(capsys, monkeypatch, "--db", str(demo_db), "simulations")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "6 simulation runs"
    assert all(line == line.rstrip() for line in lines)
    assert not any(ch in out for ch in "┃│━")


def test_deleting_asks_first_and_needs_yes_without_a_terminal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo_db: Path,
) -> None:
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, path)
    for args in (
        ["delete", "demo"],
        ["delete-run", "demo-iter0-initial"],
        ["init", "--force-recreate"],
    ):
        code, _, err = run_main(capsys, monkeypatch, "--db", str(path), *args)
        assert code == 1
        assert "Refusing without --yes" in one_error_line(err)
    with DatabaseManager(path, read_only=True) as db:
        assert len(db.list_simulation_runs()) == 6  # nothing was deleted
    code, out, _ = run_main(
        capsys, monkeypatch, "--db", str(path), "delete-run", "demo-iter0-initial", "--yes"
    )
    assert code == 0
    code, out, _ = run_main(capsys, monkeypatch, "--db", str(path), "delete", "demo", "--yes")
    assert (code, out) == (0, "deleted experiment demo and 5 runs\n")
    with DatabaseManager(path, read_only=True) as db:
        assert db.list_simulation_runs() == []
        assert db.table_counts()["simulation_events"] == 0


def test_an_interrupted_experiment_shows_its_state_and_what_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from simcash_db import ExperimentRecorder

    path = tmp_path / "cut.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        recorder = ExperimentRecorder(db)
        recorder.start_experiment("cut", "castro", "policy_search", {}, master_seed=1)
        for iteration in range(3):
            recorder.record_iteration(iteration, {"A": 10}, {"A": False}, {}, None)
        # The runner stops here: no finish_experiment.
    code, out, _ = run_main(capsys, monkeypatch, "--db", str(path), "experiments")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("cut "))
    assert "interrupted" in row and " 3 " in row
    _, out, _ = run_main(capsys, monkeypatch, "--db", str(path), "experiment", "cut")
    assert "interrupted, 3 iterations stored" in out


def test_ctrl_c_at_any_moment_of_a_demo_is_one_line_and_exit_130(tmp_path: Path) -> None:
    rng = random.Random(20261129)
    path = tmp_path / "interrupted.duckdb"
    args = [SCRIPT, "--db", str(path), "demo", "--iterations", "3", "--bootstrap-samples", "1",
            "--banks", "6", "--ticks-per-day", "40", "--days", "2"]  # fmt: skip
    start = time.monotonic()
    started = subprocess.run(args, capture_output=True, text=True, check=True)
    whole = time.monotonic() - start
    assert started.returncode == 0
    interrupted = 0
    for attempt in range(10):
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # From the imports at start-up to the last commit (Python's own
        # start-up, before any simcash-db code runs, is not ours to answer).
        time.sleep(0.08 + rng.uniform(0, whole) * (attempt + 1) / 10)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
        if child.returncode == 0:
            continue  # finished before the signal
        interrupted += 1
        assert (child.returncode, err) == (130, "Interrupted.\n")
        if path.exists():
            with DatabaseManager(path) as db:
                db.setup()
                assert db.validate_schema()
    assert interrupted >= 5


def test_costs_summary_and_compare(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    with DatabaseManager(demo_db, read_only=True) as db:
        iterations = ExperimentRepository(db).get_iterations("demo")
        final = db.get_simulation_run("demo-iter1-final")
    code, out, _ = run_main(capsys, monkeypatch, "--db", str(demo_db), "costs", "demo")
    assert code == 0
    lines = out.splitlines()
    totals = [sum(it.costs_per_agent.values()) for it in iterations]
    for it, total in zip(iterations, totals, strict=True):
        row = next(line for line in lines if line.split()[:1] == [str(it.iteration)])
        assert f"{total:,}" in row
    assert lines[-1].startswith("total: ") and f"best {min(totals):,}" in lines[-1]
    code, out, _ = run_main(
        capsys, monkeypatch, "--db", str(demo_db), "summary", "demo-iter1-final"
    )
    assert code == 0 and final is not None and final.total_cost is not None
    total_line = next(line for line in out.splitlines() if line.startswith("total cost"))
    assert total_line.split()[-1] == f"{final.total_cost:,}"
    code, out, _ = run_main(
        capsys,
        monkeypatch,
        "--db",
        str(demo_db),
        "compare",
        "demo-iter0-initial",
        "demo-iter1-final",
    )
    assert code == 0 and "B - A" in out and "events by type" in out


@pytest.mark.parametrize("args", [["--db", "x.duckdb", "experiments"], ["--help"]])
def test_ctrl_c_before_the_command_starts_is_one_line_too(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    """A Ctrl-C noted during start-up (the console script defers it) is acted
    on when the command starts, not by click, which would add a blank line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["simcash-db", *args])
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(SystemExit) as stopped:
        main(deferred_interrupts=([signal.SIGINT], handler))
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"
    assert signal.getsignal(signal.SIGINT) is handler
