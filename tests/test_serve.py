"""simcash-db serve: the pages and their JSON, CSV and Arrow forms, bad input, security."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")

import pyarrow as pa
from click.testing import CliRunner
from starlette.testclient import TestClient

from simcash_db import DatabaseManager, ExperimentRecorder, analysis
from simcash_db.cli import cli
from simcash_db.serve import check_address, create_app
from simcash_db.serve.digests import CHART_POINTS
from simcash_db.serve.guard import CSP
from simcash_db.serve.tables import Table
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

RUN = "exp-iter1-evaluation"
PAGES = [
    "/",
    "/experiments/exp",
    "/experiments/exp/diff?agent=BANK_00&from=0&to=2",
    f"/runs/{RUN}",
    f"/runs/{RUN}/ticks?tick=3",
    f"/runs/{RUN}/ticks?tick=3&agent=BANK_01&type=Arrival&page=0",
    f"/compare/runs?a=exp-iter0-evaluation&b={RUN}",
    "/compare/experiments?a=exp&b=other",
]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "served.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        recorder = ExperimentRecorder(db)
        run_synthetic_experiment(recorder, "exp", 5, ExperimentShape(3, 1, 3, 20, 2))
        run_synthetic_experiment(recorder, "other", 6, ExperimentShape(2, 0, 3, 10, 1))
    return path


@pytest.fixture(scope="module")
def client(db_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db_path)) as test_client:
        yield test_client


def first_tx(db_path: Path) -> str:
    with DatabaseManager(db_path, read_only=True, share_reads=False) as db:
        row = db.conn.execute(
            "SELECT tx_id FROM simulation_events WHERE simulation_id = ? AND tx_id IS NOT NULL"
            " ORDER BY event_seq LIMIT 1", [RUN],
        ).fetchone()  # fmt: skip
    assert row is not None
    return str(row[0])


def test_every_page_answers_in_html_and_json(client: TestClient, db_path: Path) -> None:
    for page in [*PAGES, f"/runs/{RUN}/payments/{first_tx(db_path)}"]:
        html = client.get(page)
        assert html.status_code == 200, (page, html.text)
        assert html.headers["content-type"].startswith("text/html")
        assert html.headers["content-security-policy"] == CSP
        assert '<script src="/static/live.js"' in html.text
        fragment = client.get(page + ("&" if "?" in page else "?") + "fragment=1")
        assert fragment.status_code == 200 and "<html" not in fragment.text
        data = client.get(page + ("&" if "?" in page else "?") + "format=json")
        assert data.status_code == 200 and isinstance(data.json(), dict), page


def test_json_holds_what_the_database_holds(client: TestClient, db_path: Path) -> None:
    experiments = client.get("/?format=json").json()["experiments"]
    rows = [dict(zip(experiments["columns"], row, strict=True)) for row in experiments["rows"]]
    assert {r["experiment_id"] for r in rows} == {"exp", "other"}
    exp = next(r for r in rows if r["experiment_id"] == "exp")
    assert exp["iterations_done"] == 3 and len(exp["totals"]) == 3
    for row in rows:  # money is int cents, never a float
        assert all(isinstance(row[k], int) for k in ("best_cost", "final_cost")), row
        assert all(isinstance(total, int) for total in row["totals"])
    run = client.get(f"/runs/{RUN}?format=json").json()
    with DatabaseManager(db_path, read_only=True, share_reads=False) as db:
        stored = db.conn.execute(
            "SELECT count(*) FROM simulation_events WHERE simulation_id = ?", [RUN]
        ).fetchone()
    summary = dict(zip(run["summary"]["columns"], run["summary"]["rows"][0], strict=True))
    assert stored is not None and summary["events"] == stored[0]
    # The page's charts: at most CHART_POINTS of each series; each timeline
    # whole is an export (the page's JSON leaves it out).
    drawn = run["timelines"]["rows"]
    assert {row[0] for row in drawn} == {"balances", "costs", "queues"}
    assert max(Counter((row[0], row[1]) for row in drawn).values()) <= CHART_POINTS
    assert "balances" not in run
    with DatabaseManager(db_path, read_only=True, share_reads=False) as db:
        for kind, timeline in [("balances", analysis.balance_timeline),
                               ("costs", analysis.cost_timeline),
                               ("queues", analysis.queue_timeline)]:  # fmt: skip
            whole = list(csv.reader(io.StringIO(
                client.get(f"/runs/{RUN}?format=csv&table={kind}").text)))  # fmt: skip
            relation = timeline(db, RUN)
            assert whole[0] == relation.columns
            assert whole[1:] == [[str(v) for v in row] for row in relation.fetchall()]
    ticks = client.get(f"/runs/{RUN}/ticks?tick=3&format=json").json()["events"]
    assert all(row[1] == 3 for row in ticks["rows"]) and ticks["rows"]


def test_exports_as_csv_and_arrow_match(client: TestClient, db_path: Path) -> None:
    text = client.get("/experiments/exp?format=csv&table=iterations")
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text.text)))
    assert rows[0][:2] == ["iteration", "total_cost"] and len(rows) == 4
    stream = client.get(f"/runs/{RUN}/events?format=arrow")
    assert stream.headers["content-type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(stream.content).read_all()
    with DatabaseManager(db_path, read_only=True, share_reads=False) as db:
        direct = db.conn.execute(
            "SELECT event_seq, tick, event_type, details FROM simulation_events"
            " WHERE simulation_id = ? ORDER BY event_seq", [RUN],
        ).fetchall()  # fmt: skip
    assert table.num_rows == len(direct) > 100
    assert list(zip(table.column("event_seq").to_pylist(), table.column("tick").to_pylist(),
                    table.column("event_type").to_pylist(), table.column("details").to_pylist(),
                    strict=True)) == direct  # fmt: skip
    curve = pa.ipc.open_stream(client.get("/experiments/exp?format=arrow&table=cost_curve").content)
    assert curve.read_all().column_names[:2] == ["iteration", "agent_id"]
    # The events page itself is the tick replay.
    assert client.get(f"/runs/{RUN}/events", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/experiments/nope", 404),
        ("/runs/nope", 404),
        ("/runs/nope/ticks", 404),
        (f"/runs/{RUN}/payments/nope", 404),
        ("/compare/runs?a=exp-iter0-evaluation&b=nope", 404),
        ("/compare/experiments?a=exp&b=nope", 404),
        ("/experiments/exp/diff?agent=BANK_00&from=0&to=99", 404),
        ("/experiments/exp/diff?agent=NOBODY&from=0&to=1", 404),
        ("/experiments/a'b", 400),
        ("/experiments/a%22b", 400),
        ("/experiments/..%2F..%2Fetc", 400),
        ("/runs/a%00b", 400),
        ("/runs/" + "x" * 10_000, 400),
        (f"/runs/{RUN}/ticks?tick=-1", 400),
        (f"/runs/{RUN}/ticks?tick=99999999999999999999", 400),
        (f"/runs/{RUN}/ticks?tick=1e3", 400),
        (f"/runs/{RUN}/ticks?agent=x';--", 400),
        ("/?format=xml", 400),
        ("/experiments/exp?format=csv&table=secrets", 400),
        ("/compare/runs?a=exp-iter0-evaluation", 400),
        ("/experiments/exp/diff?from=0&to=1", 400),
        ("/nowhere", 404),
    ],
)
def test_bad_requests_get_one_line(client: TestClient, path: str, status: int) -> None:
    answer = client.get(path)
    assert answer.status_code == status, answer.text
    assert answer.text.count("\n") == 1 and len(answer.text) < 300
    assert answer.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(client: TestClient, method: str) -> None:
    for page in [*PAGES, f"/runs/{RUN}/events?format=arrow", "/live"]:
        answer = client.request(method, page)
        assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD", page
    assert client.head("/experiments/exp").status_code == 200


def test_a_token_is_required_on_every_request(db_path: Path) -> None:
    with TestClient(create_app(db_path, token="s3cret")) as guarded:
        for path in ["/", "/?format=json", f"/runs/{RUN}/events?format=arrow", "/live",
                     "/static/style.css"]:  # fmt: skip
            assert guarded.get(path).status_code == 401, path
        assert guarded.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert guarded.get("/", headers={"authorization": "Bearer s3cret"}).status_code == 200
        first = guarded.get("/?token=s3cret")
        assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
        assert guarded.get("/experiments/exp").status_code == 200  # the cookie


def test_other_addresses_need_a_token() -> None:
    check_address("127.0.0.1", None)
    check_address("::1", None)
    check_address("localhost", None)
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.org"):
        with pytest.raises(ValueError, match="token"):
            check_address(host, None)
        check_address(host, "t")


def test_serve_command_errors_are_one_line(db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["--db", str(tmp_path / "none.duckdb"), "serve"])
    assert missing.exit_code == 1 and "no database" in missing.output
    exposed = runner.invoke(cli, ["--db", str(db_path), "serve", "--host", "0.0.0.0"])
    assert exposed.exit_code == 1 and "token" in exposed.output
    assert exposed.output.count("\n") == 1


def test_without_the_extra_serve_says_what_to_install(db_path: Path) -> None:
    code = (
        "import sys; sys.modules['starlette'] = None\nfrom simcash_db.__main__ import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code, "--db", str(db_path), "serve"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().endswith("pip install 'simcash-db[serve]'")
    assert done.stderr.count("\n") == 1


def test_live_updates_stream_says_what_moved(client: TestClient) -> None:
    with client.stream("GET", "/live") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        for line in events.iter_lines():
            if line.startswith("data: "):
                state = json.loads(line[6:])
                assert state["recording"] is False and state["version"] >= 0
                break


@pytest.mark.parametrize("rows", [0, 1, 8_192, 20_000])
def test_arrow_stream_is_the_rows_in_order(rows: int) -> None:
    # Several batches and none; an ENUM column arrives as an Arrow dictionary,
    # which travels as a message of its own (the writer's path).
    from simcash_db.serve.tables import arrow_stream

    conn = duckdb.connect()
    conn.execute("CREATE TYPE mood AS ENUM ('calm', 'busy')")
    relation = conn.sql(
        f"SELECT i AS n, 'row ' || i AS text, (['calm', 'busy'])[i % 2 + 1]::mood AS mood,"
        f" CASE WHEN i % 7 = 0 THEN NULL ELSE i * 100 END AS cents FROM range({rows}) t(i)"
    )
    for chosen in ("n, text, cents", "n, text, mood, cents"):
        body = b"".join(bytes(chunk) for chunk in arrow_stream(relation.select(chosen)))
        table = pa.ipc.open_stream(body).read_all()
        expected = relation.select(chosen).fetchall()
        assert [tuple(row.values()) for row in table.to_pylist()] == expected
        assert table.num_rows == rows


def test_finished_runs_are_digested_before_anyone_asks(tmp_path: Path) -> None:
    from factories import make_run
    from fake_orchestrator import fixture_events
    from simcash_db.serve.access import DatabaseAccess
    from simcash_db.serve.digests import RunDigests, draw

    path = tmp_path / "digested.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        run_synthetic_experiment(ExperimentRecorder(db), "exp", 5, ExperimentShape(3, 1, 3, 20, 2))
        db.save_simulation_run(make_run("still-running"))  # its answers move: never kept
        db.write_events("still-running", fixture_events("policies"))
        ended = "SELECT simulation_id FROM simulation_runs WHERE status <> 'running'"
        finished = {row[0] for row in db.conn.execute(ended).fetchall()}
    access = DatabaseAccess(path)
    digests = RunDigests(access)
    try:
        access.reading(lambda source: None)  # the dashboard opens the file when first asked
        deadline = time.monotonic() + 30
        while digests.digested() != finished:
            assert time.monotonic() < deadline, digests.digested() ^ finished
            time.sleep(0.05)
        # Kept or not, a run's answers are what the analysis says of it now.
        with DatabaseManager(path, read_only=True, share_reads=False) as db:
            for sim in ("exp-iter1-evaluation", "still-running"):
                direct = {
                    "summary": analysis.run_summary(db, sim),
                    "settlement_by_day": analysis.settlement_by_day(db, sim),
                    "timelines": analysis.run_timelines(db, sim, points=CHART_POINTS),
                }
                for name, relation in direct.items():
                    got = access.reading(
                        lambda source, name=name, sim=sim: Table.fetch(
                            source, digests.query(name, sim)))  # fmt: skip
                    assert got.rows == relation.fetchall() and got.rows, (sim, name)
                row = db.conn.sql("SELECT * FROM simulation_runs WHERE simulation_id = ?",
                                  params=[sim])  # fmt: skip
                run = dict(zip(row.columns, row.fetchall()[0], strict=True))
                points = Table("timelines", direct["timelines"].columns,
                               direct["timelines"].fetchall())  # fmt: skip
                assert digests.charts(sim, run, lambda p=points: p) == draw(sim, points)
        assert "still-running" not in digests.digested()
        # A running run's charts are drawn again only when its points are new rows.
        running = dict(run, status="running")
        first = digests.charts("still-running", running, lambda: points)
        assert digests.charts("still-running", running, lambda: points) is first
        fresh = Table("timelines", points.columns, list(points.rows))
        again = digests.charts("still-running", running, lambda: fresh)
        assert again is not first and again == first
    finally:
        digests.close()
        access.close()
