"""The version has one source (Cargo.toml), and every place that shows it agrees."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import simcash_db

ROOT = Path(__file__).resolve().parent.parent


def test_version_comes_from_cargo_toml_everywhere() -> None:
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in pyproject and "version" in pyproject["dynamic"]
    assert simcash_db.__version__ == cargo
    assert simcash_db.native_version == cargo
    assert importlib.metadata.version("simcash-db") == cargo
    shown = subprocess.run(
        [sys.executable, "-m", "simcash_db", "--version"], capture_output=True, text=True
    )
    assert shown.stdout.split() == ["simcash-db", cargo]


def test_changelog_names_this_version_and_every_schema_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{simcash_db.__version__}]" in changelog
    for version in range(1, simcash_db.SCHEMA_VERSION + 1):
        assert f"schema v{version}" in changelog
