"""Charts (valid, the requested size, identical bytes each time) and the HTML
report, opened in a real browser (Debian's Chromium) with the network off."""

from __future__ import annotations

import shutil
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.charts import ChartError, experiment_chart, run_chart
from simcash_db.cli import cli
from simcash_db.workload import ExperimentShape, run_synthetic_experiment

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "exp.duckdb"
    with DatabaseManager(path) as db:
        db.setup()
        run_synthetic_experiment(ExperimentRecorder(db), "exp", 9, ExperimentShape(3, 2, 4, 12, 2))
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_charts_are_valid_of_the_requested_size_and_deterministic(db_path: Path) -> None:
    with DatabaseManager(db_path, read_only=True) as db:
        first = experiment_chart(db, "exp", "png", 800, 450)
        assert png_size(first) == (800, 450)
        assert experiment_chart(db, "exp", "png", 800, 450) == first
        for kind in ("balances", "costs", "queues"):
            svg = run_chart(db, "exp-iter0-evaluation", kind, "svg", 640, 480)
            root = ET.fromstring(svg)
            assert root.tag.endswith("svg")
            assert (root.get("width"), root.get("height")) == ("460.8pt", "345.6pt")  # 640x480 px
            assert run_chart(db, "exp-iter0-evaluation", kind, "svg", 640, 480) == svg
        with pytest.raises(ChartError, match="unknown chart kind"):
            run_chart(db, "exp-iter0-evaluation", "pies")


def test_the_chart_command_writes_identical_files(db_path: Path, tmp_path: Path) -> None:
    outputs = []
    for name in ("a.png", "b.png"):
        result = CliRunner().invoke(
            cli, ["--db", str(db_path), "chart", "exp", "-o", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1] and png_size(outputs[0]) == (1000, 560)
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "chart", "exp", "-o", str(tmp_path / "x.gif")]
    )
    assert result.exit_code == 1 and "give a .png or .svg file" in result.output


def test_without_matplotlib_the_chart_commands_say_what_to_install(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if absent
    for args in (["chart", "exp", "-o", str(tmp_path / "c.png")],
                 ["report", "exp", "-o", str(tmp_path / "r.html")]):  # fmt: skip
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args])
        assert result.exit_code == 1
        assert result.output == "Error: charts need matplotlib: pip install 'simcash-db[plot]'\n"


SECTIONS = ("metadata", "cost-curve", "iterations", "evaluations", "final-run", "best-run", "runs")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_the_report_renders_in_a_browser_offline(db_path: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_path = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "report", "exp", "-o", str(page_path)])
    assert result.exit_code == 0, result.output
    text = page_path.read_text()
    # Nothing to fetch: no scripts, no stylesheets, no remote images or links.
    for needle in ("<script", "<link", 'src="http', 'href="http', "url(http"):
        assert needle not in text, needle
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(page_path.as_uri())
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        for section in SECTIONS:
            box = page.locator(f"section#{section}").bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0, section
        charts = page.locator(".chart svg")
        assert charts.count() == 5  # the cost curve, and two timelines of each run
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
        browser.close()
    assert problems == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
