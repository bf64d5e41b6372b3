"""What a finished run's page shows, computed once and kept, most of it before
anyone asks.

A run page's summary, settlement by day, tick range and three timelines come
from the run's events; the timelines take a pass over their JSON
(``analysis.run_timelines``): about 70 ms for 200,000 events, most of it
decompressing the JSON, and drawing them 20 ms more. A finished run does not
change, so all of it is kept, compressed: the tables as Arrow, the charts as
SVG (about 150 kB a run of 25 agents), by the run's id and its run row
(status, end, cost, counts: a run recorded again under its id differs there),
within a byte budget. While the dashboard holds the file (nobody records), a
thread digests the finished runs not yet kept, the newest first, one at a
time and taking turns with the pages' whole-run answers; it stops when the
budget is full, and never reads through a recording process.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import duckdb

from simcash_db import analysis
from simcash_db.analysis import Source
from simcash_db.analysis.source import local_connection, sql
from simcash_db.live import RemoteSource
from simcash_db.models import SimulationRunRecord, SimulationStatus
from simcash_db.serve import queries as q
from simcash_db.serve.access import DatabaseAccess
from simcash_db.serve.cache import AnswerCache
from simcash_db.serve.svg import line_chart
from simcash_db.serve.tables import Query, Table, analysed

log = logging.getLogger("simcash_db")

#: Points a chart keeps of each series: its plot is about 670 pixels wide.
CHART_POINTS = 240
#: A run's timelines, each a chart on its page, with the unit of its values.
TIMELINES = {"balances": "balance (cents)", "costs": "cost (cents)", "queues": "queued payments"}
#: Bytes of digests kept at most.
BUDGET = 64 * 1024 * 1024
#: Seconds between looks for runs to digest.
POLL_S = 1.0
#: The run row's columns that tell one recording of a run from another.
VERSION = ("status", "end_time", "total_cost", "total_transactions", "duration_seconds")
RUNS = SimulationRunRecord.table_name
_ROWS = f"SELECT simulation_id, {', '.join(VERSION)} FROM {RUNS}"
Version = tuple[object, ...]


def version(run: Mapping[str, Any]) -> Version | None:
    """What a run's digest is kept under, from its run row; None while it runs."""
    if run["status"] == SimulationStatus.RUNNING:
        return None
    return tuple(run[name] for name in VERSION)


def _version_of(row: tuple[Any, ...]) -> Version | None:
    """``version`` of a row of ``_ROWS``."""
    return version(dict(zip(("simulation_id", *VERSION), row, strict=True)))


def _pack(table: Any) -> bytes:
    """An Arrow table as a compressed IPC stream, its text columns as
    dictionaries (a run's chart points: 470 -> 63 kB)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table({name: pc.dictionary_encode(column) if pa.types.is_string(column.type)
                      else column for name, column in zip(table.column_names, table.columns,
                                                          strict=True)})  # fmt: skip
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _unpack(packed: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(packed).read_all()


def draw(simulation_id: str, timelines: Table) -> dict[str, str]:
    """The run page's charts, one per timeline, from its points."""
    points: dict[str, dict[str, list[tuple[float, float]]]] = {kind: {} for kind in TIMELINES}
    for kind, series, tick, value in timelines.rows:
        points[kind].setdefault(series, []).append((tick, value))
    return {kind: line_chart(points[kind], title=f"{kind} of {simulation_id}", x_label="tick",
                             y_label=unit)
            for kind, unit in TIMELINES.items()}  # fmt: skip


class RunDigests:
    """The run pages' answers of finished runs (see the module's text)."""

    def __init__(self, access: DatabaseAccess, budget: int = BUDGET) -> None:
        self.access = access
        self._kept = AnswerCache(budget)
        #: The last drawing of each running run, with the rows it was drawn from.
        self._running: dict[str, tuple[list[Any], dict[str, str]]] = {}
        #: How the run page's tables are made from a run's events.
        self.tables: dict[str, Callable[[str], Query]] = {
            "summary": q.run_summary,
            "settlement_by_day": q.settlement_by_day,
            "ticks": q.tick_range,
            "timelines": lambda sim: analysed(
                "timelines", analysis.run_timelines, sim, heavy=True, points=CHART_POINTS
            ),
        }
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="simcash-db digests", daemon=True)
        self._thread.start()

    def query(self, name: str, simulation_id: str) -> Query:
        """The run page's table ``name``: kept, or computed (and kept once the run ended)."""
        made = self.tables[name](simulation_id)
        return Query(name, lambda source: self._table(source, simulation_id, made), made.key,
                     heavy=True)  # fmt: skip

    def charts(
        self, simulation_id: str, run: Mapping[str, Any], points: Callable[[], Table]
    ) -> dict[str, str]:
        """The run page's charts: kept, or drawn from ``points`` (and kept once the run ended)."""
        key = version(run)
        kept = self._kept.get((simulation_id, key, "charts")) if key else None
        if isinstance(kept, dict):
            return {kind: zlib.decompress(svg).decode() for kind, svg in kept.items()}
        table = points()
        if key is None:
            # A running run's points are kept a few seconds (see responses.py);
            # while they are the same rows its charts are the same drawing.
            drawn = self._running.get(simulation_id)
            if drawn is not None and drawn[0] is table.rows:
                return drawn[1]
        charts = draw(simulation_id, table)
        if key is not None:
            self._running.pop(simulation_id, None)
            self._keep_charts(simulation_id, key, charts)
        else:
            self._running[simulation_id] = (table.rows, charts)
        return charts

    def digested(self) -> set[str]:
        """The runs whose page is kept whole (its tables and charts)."""
        return {str(key[0]) for key in self._kept.keys_kept() if key[2] == "charts"}

    def _table(self, source: Source, simulation_id: str, made: Query) -> duckdb.DuckDBPyRelation:
        found = sql(source, f"{_ROWS} WHERE simulation_id = ?", [simulation_id]).fetchall()
        key = (
            version(dict(zip(("simulation_id", *VERSION), found[0], strict=True)))
            if found
            else None
        )
        return local_connection(source).from_arrow(self._arrow(source, simulation_id, key, made))

    def _arrow(self, source: Source, simulation_id: str, key: Version | None, made: Query) -> Any:
        """``made``'s rows: kept under ``key`` (the run's version), or asked for and kept."""
        kept = self._kept.get((simulation_id, key, made.name)) if key else None
        if isinstance(kept, bytes):
            return _unpack(kept)
        table = made.relation(source).to_arrow_table()
        if key is not None:
            packed = _pack(table)
            self._kept.put((simulation_id, key, made.name), packed, len(packed))
        return table

    def _keep_charts(self, simulation_id: str, key: Version, charts: dict[str, str]) -> None:
        packed = {kind: zlib.compress(svg.encode()) for kind, svg in charts.items()}
        self._kept.put((simulation_id, key, "charts"), packed, sum(map(len, packed.values())))

    def _fill(self) -> None:
        while not self._stopping.wait(POLL_S):
            try:
                self._fill_once()
            except (duckdb.Error, OSError) as exc:  # a claim interrupted it: later
                log.debug("digesting runs: %s", exc)

    def _fill_once(self) -> None:
        if self.access.held_generation() is None or self._full():
            return
        with self.access.source() as source:
            if isinstance(source, RemoteSource):
                return  # a recording holds the file: its process is not ours to load
            found = sql(source, f"{_ROWS} ORDER BY end_time DESC NULLS LAST", []).fetchall()
        done = {key[:2] for key in self._kept.keys_kept() if key[2] == "charts"}
        for row in found:
            simulation_id, key = str(row[0]), _version_of(row)
            if key is None or (simulation_id, key) in done:
                continue
            if self._stopping.is_set() or self.access.held_generation() is None or self._full():
                return
            with self.access.source() as source:
                if isinstance(source, RemoteSource):
                    return
                with self.access.heavy:  # as the pages' whole-run answers do
                    made = {name: self._arrow(source, simulation_id, key, table(simulation_id))
                            for name, table in self.tables.items()}  # fmt: skip
                points = local_connection(source).from_arrow(made["timelines"])
                timelines = Table("timelines", list(points.columns), points.fetchall())
            self._keep_charts(simulation_id, key, draw(simulation_id, timelines))

    def _full(self) -> bool:
        return self._kept.size >= self._kept.budget * 0.9

    def close(self) -> None:
        self._stopping.set()
        self._thread.join()
