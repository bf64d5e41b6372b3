"""Each finished run's chart points, computed once and kept, most of them before
anyone asks.

A run page draws three timelines; from a run's events that takes one pass over
their JSON (``analysis.run_timelines``): about 70 ms for 200,000 events, most
of it decompressing the JSON. A finished run never changes, so its points are
kept (by its id and its run row's status, end, cost and counts; as Arrow:
about 300 kB for 25 agents) within a byte budget. While the dashboard holds
the file (nobody records), a thread charts the finished runs not yet kept,
the newest first, one at a time and taking turns with the pages' whole-run
answers; it stops when the budget is full, and never reads through a
recording process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import duckdb

from simcash_db import analysis
from simcash_db.analysis import Source
from simcash_db.analysis.source import sql
from simcash_db.live import RemoteSource
from simcash_db.models import SimulationRunRecord, SimulationStatus
from simcash_db.serve.access import DatabaseAccess
from simcash_db.serve.cache import AnswerCache
from simcash_db.serve.tables import Query

log = logging.getLogger("simcash_db")

#: Points a chart keeps of each series: its plot is about 670 pixels wide.
CHART_POINTS = 240
#: Bytes of chart points kept at most.
BUDGET = 64 * 1024 * 1024
#: Seconds between looks for runs to chart.
POLL_S = 1.0
RUNS = SimulationRunRecord.table_name
# A finished run, and what would tell it from another recorded under its id.
_FINISHED = (
    f"SELECT simulation_id, [status, end_time::VARCHAR, total_cost::VARCHAR,"
    f" total_transactions::VARCHAR, duration_seconds::VARCHAR]::VARCHAR AS version"
    f" FROM {RUNS} WHERE status <> '{SimulationStatus.RUNNING}'"
)


def _conn(source: Source) -> duckdb.DuckDBPyConnection:
    return source if isinstance(source, duckdb.DuckDBPyConnection) else source.conn


class RunCharts:
    """The chart points of finished runs (see the module's text)."""

    def __init__(self, access: DatabaseAccess, budget: int = BUDGET) -> None:
        self.access = access
        self._kept = AnswerCache(budget)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="simcash-db charts", daemon=True)
        self._thread.start()

    def query(self, simulation_id: str) -> Query:
        """The run's timelines as its charts draw them: kept, or computed (and kept)."""
        return Query(
            "timelines",
            lambda source: self._points(source, simulation_id),
            ("run_timelines", simulation_id, CHART_POINTS),
            heavy=True,
        )

    def charted(self) -> set[str]:
        """The runs whose points are kept."""
        return {str(key[0]) for key in self._kept.keys_kept()}

    def _points(self, source: Source, simulation_id: str) -> duckdb.DuckDBPyRelation:
        found = sql(source, f"{_FINISHED} AND simulation_id = ?", [simulation_id]).fetchall()
        key = (simulation_id, found[0][1]) if found else None
        kept = self._kept.get(key) if key else None
        if kept is None:
            kept = self._chart(source, simulation_id, key)
        return _conn(source).from_arrow(kept)

    def _chart(self, source: Source, simulation_id: str, key: tuple[str, str] | None) -> Any:
        points = analysis.run_timelines(source, simulation_id, points=CHART_POINTS)
        table = points.to_arrow_table()
        if key is not None:
            self._kept.put(key, table, table.nbytes)
        return table

    def _fill(self) -> None:
        while not self._stopping.wait(POLL_S):
            try:
                self._fill_once()
            except (duckdb.Error, OSError) as exc:  # a claim interrupted it: later
                log.debug("charting runs: %s", exc)

    def _fill_once(self) -> None:
        if self.access.held_generation() is None or self._kept.size >= self._kept.budget * 0.9:
            return
        with self.access.source() as source:
            if isinstance(source, RemoteSource):
                return  # a recording holds the file: its process is not ours to load
            runs = sql(
                source, f"{_FINISHED} ORDER BY end_time DESC NULLS LAST, start_time DESC", []
            ).fetchall()
        for simulation_id, finished in runs:
            key = (simulation_id, finished)
            if self._stopping.is_set() or self.access.held_generation() is None:
                return
            if self._kept.size >= self._kept.budget * 0.9:
                return
            if self._kept.get(key) is not None or not self._kept.claim(key):
                continue
            try:
                with self.access.source() as source:
                    if isinstance(source, RemoteSource):
                        return
                    with self.access.heavy:  # as the pages' whole-run answers do
                        self._chart(source, simulation_id, key)
            finally:
                self._kept.release(key)

    def close(self) -> None:
        self._stopping.set()
        self._thread.join()
