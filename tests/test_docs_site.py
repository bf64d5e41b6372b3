"""The documentation site builds --strict and works offline, in a real browser."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_watch import Watched

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# What a page would fetch: scripts, stylesheets, images, frames, CSS imports.
FETCHING = re.compile(
    r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="(?:https?:)?//[^"]*"'
    r"|url\(\s*['\"]?(?:https?:)?//|@import\s+['\"](?:https?:)?//"
)

pytest.importorskip("mkdocs", reason="the docs extra is not installed (make build-dev)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1",
                                                       "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_every_page_and_the_api_reference_are_built(site: Path) -> None:
    for page in ("index", "install", "recording", "analysis", "many-workers", "cli",
                 "guarantees", "crash-safety", "performance", "layout", "reference"):  # fmt: skip
        assert (site / f"{page}.html").stat().st_size > 5_000, page
    reference = (site / "reference.html").read_text()
    for name in ("DatabaseManager", "write_events", "ExperimentRecorder", "record_run",
                 "cost_curve", "recover", "EncodeError"):  # fmt: skip
        assert 'id="simcash_db.' in reference and name in reference, name
    # The tour is the README's own, included, not a copy.
    assert "tour.duckdb" in (site / "index.html").read_text()


def test_nothing_in_the_site_is_fetched_from_elsewhere(site: Path) -> None:
    for path in site.rglob("*"):
        if path.suffix in {".html", ".css"}:
            found = FETCHING.findall(path.read_text(errors="replace"))
            assert found == [], f"{path.relative_to(site)}: {found}"


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_the_site_works_in_a_browser_with_only_itself_to_reach(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    watched = Watched(served)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        watched.attach(page)
        page.goto(served)
        # Every page of the navigation, reached by clicking.
        titles = page.locator("nav.md-nav--primary a.md-nav__link[href]")
        hrefs = {titles.nth(i).get_attribute("href") or "" for i in range(titles.count())}
        hrefs = sorted(href for href in hrefs if href.endswith(".html"))
        assert len(hrefs) >= 10, hrefs
        for href in hrefs:
            page.goto(served)
            page.locator(f'nav.md-nav--primary a.md-nav__link[href="{href}"]').first.click()
            page.wait_for_load_state("load")
            assert page.locator("article h1").count() >= 1, href
        page.goto(served + "reference.html")
        page.screenshot(path=str(tmp_path / "reference.png"))
        # Search runs in the page, from the site's own index.
        page.goto(served)
        page.keyboard.press("/")  # the theme's key for search
        page.keyboard.type("recover")
        page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
        page.screenshot(path=str(tmp_path / "search.png"))
        browser.close()
    assert watched.problems == []
    assert watched.elsewhere == []
