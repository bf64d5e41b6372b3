"""The dashboard in Debian's Chromium: every page reached by clicking, nothing fetched
from elsewhere, no console error, and a live update arriving while a process records."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")

from browser_watch import Watched
from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"
)

# Records an experiment into the file the dashboard shows, when told to.
RECORDER = """
import sys
from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.workload import ExperimentShape, run_synthetic_experiment
sys.stdin.readline()
with DatabaseManager(sys.argv[1]) as db:
    run_synthetic_experiment(ExperimentRecorder(db), "late", 9, ExperimentShape(3, 1, 3, 20, 2))
    print("recorded", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db_path = tmp_path / "watched.duckdb"
    with DatabaseManager(db_path) as db:
        db.setup()
        recorder = ExperimentRecorder(db)
        run_synthetic_experiment(recorder, "exp", 5, ExperimentShape(3, 1, 3, 20, 2))
        run_synthetic_experiment(recorder, "other", 6, ExperimentShape(2, 0, 3, 10, 1))
    with subprocess.Popen(
        [sys.executable, "-m", "simcash_db", "--db", str(db_path), "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    ) as server:  # fmt: skip
        assert server.stdout is not None
        yield server.stdout.readline().strip(), db_path
        server.terminate()
        server.wait(timeout=30)


def test_every_page_by_clicking_and_a_live_update(served: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    url, db_path = served
    shots = Path(os.environ.get("SIMCASH_DB_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    watched = Watched(url)

    def shot(page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watched.attach(page)
        page.goto(url)
        expect(page.locator("#live")).to_have_text("live: idle")
        shot(page, "experiments")
        page.click("#table-experiments a[href='/experiments/exp']")
        expect(page.locator("h1")).to_contain_text("Experiment exp")
        points = page.locator("#cost-curve svg circle title")
        assert points.count() >= 9 and "iteration" in points.first.text_content()
        shot(page, "experiment")
        page.click("#show-diff")
        expect(page.locator("h1")).to_contain_text("policy, iteration 0 to 2")
        shot(page, "policy-diff")
        page.go_back()
        page.click("#compare-runs")
        expect(page.locator("h1")).to_contain_text("Runs")
        assert page.locator("#table-costs tbody tr").count() > 0
        shot(page, "compare-runs")
        page.go_back()
        page.click("#compare-experiments")
        expect(page.locator("h1")).to_contain_text("Experiments exp and other")
        shot(page, "compare-experiments")
        page.go_back()
        page.click("#table-iterations >> text=exp-iter1-evaluation")
        expect(page.locator("h1")).to_contain_text("Run exp-iter1-evaluation")
        assert page.locator("#timelines svg.chart").count() == 3
        shot(page, "run")
        page.click("#open-replay")
        expect(page.locator("h1")).to_have_text("Tick 0")
        page.locator("#tick").fill("5")
        page.locator("#tick").dispatch_event("change")
        expect(page.locator("h1")).to_have_text("Tick 5")
        page.click("#next-tick")
        expect(page.locator("h1")).to_have_text("Tick 6")
        page.select_option("select[name=type]", "Arrival")
        page.click("#scrubber button")
        assert set(page.locator("#table-events tbody td:nth-child(2)").all_text_contents()) <= {
            "Arrival"
        }
        shot(page, "tick-replay")
        page.locator("a.payment").first.click()
        expect(page.locator("h1")).to_contain_text("Payment")
        assert page.locator("#table-lifecycle tbody tr").count() >= 1
        shot(page, "payment")

        # A live update: a process records into the file while the front page is open.
        page.goto(url)
        page.evaluate("window.stillHere = true")
        assert page.locator("text=late").count() == 0
        with subprocess.Popen([sys.executable, "-c", RECORDER, str(db_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) as recorder:  # fmt: skip
            assert recorder.stdin is not None and recorder.stdout is not None
            recorder.stdin.write("go\n")
            recorder.stdin.flush()
            assert recorder.stdout.readline() == "recorded\n"
            page.locator("#table-experiments >> text=late").wait_for(timeout=10_000)
            assert page.evaluate("window.stillHere") is True  # no reload: pushed
            expect(page.locator("#live")).to_have_text("live: recording")
            shot(page, "live-update")
            recorder.communicate("")
        browser.close()
    assert watched.problems == []
    assert watched.elsewhere == []
    pages = ("experiments", "experiment", "policy-diff", "compare-runs", "compare-experiments",
             "run", "tick-replay", "payment", "live-update")  # fmt: skip
    for name in pages:
        assert (shots / f"{name}.png").stat().st_size > 10_000, name
