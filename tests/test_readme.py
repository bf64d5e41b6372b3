"""The README's tour runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def test_readme_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python tour"
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # safe to paste twice
        namespace: dict[str, object] = {}
        exec(compile(blocks[0], str(README), "exec"), namespace)
        events = namespace["events"]
        assert isinstance(events, list)
        assert events[0]["amount"] == 150_000
        assert len(events) == 2  # BANK_A in ticks 0-10: the Arrival and the register, once
    assert (tmp_path / "tour.duckdb").exists()
    for block in blocks[1:]:
        exec(compile(block, str(README), "exec"), {})
    # The examples moved into docs/ run as written too.
    for page in sorted(README.with_name("docs").glob("*.md")):
        for block in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S):
            exec(compile(block, str(page), "exec"), {})
