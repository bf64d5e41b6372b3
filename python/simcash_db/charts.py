"""Charts of an experiment's costs and of a run's timelines, drawn by
matplotlib (the optional extra ``simcash-db[plot]``, Agg backend: no display
needed) from the analysis queries. The bytes are deterministic: the same
database and arguments give the same file.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simcash_db import analysis
from simcash_db.database import DatabaseManager
from simcash_db.errors import SimcashDbError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RUN_KINDS = ("balances", "costs", "queues")
FORMATS = ("png", "svg")
DPI = 100


class ChartError(SimcashDbError):
    """A chart cannot be drawn: matplotlib is missing, or a format or kind is unknown."""


def _figure(width: int, height: int) -> Figure:
    try:
        import matplotlib
    except ImportError as exc:
        raise ChartError("charts need matplotlib: pip install 'simcash-db[plot]'") from exc
    matplotlib.use("Agg")
    # Deterministic output: fixed SVG ids, no dates, the bundled DejaVu font.
    matplotlib.rcParams.update(
        {"svg.hashsalt": "simcash-db", "font.family": "DejaVu Sans", "path.simplify": True}
    )
    from matplotlib.figure import Figure

    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI)


def _write(figure: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ChartError(f"unknown chart format {fmt!r}: give a .png or .svg file")
    metadata: dict[str, Any] = (
        {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    )
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=DPI, metadata=metadata)
    return out.getvalue()


def _money(value: float, _position: object = None) -> str:
    return f"{int(value):,}"


def experiment_chart(
    db: DatabaseManager, experiment_id: str, fmt: str = "png", width: int = 1000, height: int = 560
) -> bytes:
    """Cost per iteration for each agent and in total, accepted proposals
    marked; PNG or SVG bytes of ``width`` x ``height`` pixels."""
    curve = analysis.cost_curve(db, experiment_id).fetchall()
    if not curve:
        raise ChartError(f"experiment {experiment_id!r} has no iterations to draw")
    per_agent: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
    totals: dict[int, int] = {}
    for iteration, agent, cost, total, accepted, _best in curve:
        per_agent[agent].append((iteration, cost, bool(accepted)))
        totals[iteration] = total
    figure = _figure(width, height)
    from matplotlib.ticker import MaxNLocator

    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    for agent, points in sorted(per_agent.items()):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        (line,) = left.plot(xs, ys, marker=".", linewidth=1, label=agent)
        accepted = [(x, y) for x, y, a in points if a]
        if accepted:
            left.scatter(*zip(*accepted, strict=True), s=60, facecolors="none",
                         edgecolors=line.get_color(), linewidths=1.5)  # fmt: skip
    left.set(title="cost per agent (circled: accepted)", xlabel="iteration", ylabel="cents")
    for axes in (left, right):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.yaxis.set_major_formatter(_money)
    left.legend(fontsize=7, ncols=2)
    iterations = sorted(totals)
    right.plot(iterations, [totals[i] for i in iterations], marker="o", color="black")
    best = min(iterations, key=lambda i: (totals[i], i))
    right.scatter([best], [totals[best]], s=120, color="tab:green", zorder=3, label="best")
    right.set(title="total cost", xlabel="iteration")
    right.yaxis.set_major_formatter(_money)
    right.legend(fontsize=8)
    figure.suptitle(f"experiment {experiment_id}")
    figure.tight_layout()
    return _write(figure, fmt)


def run_chart(
    db: DatabaseManager,
    simulation_id: str,
    kind: str,
    fmt: str = "png",
    width: int = 1000,
    height: int = 560,
) -> bytes:
    """A run's timeline: ``balances`` or ``costs`` per agent per tick, or ``queues``."""
    figure = _figure(width, height)
    axes = figure.subplots()
    if kind == "queues":
        rows = analysis.queue_timeline(db, simulation_id).fetchall()
        ticks = [r[0] for r in rows]
        axes.plot(ticks, [r[1] for r in rows], label="queue 1 (held by banks)")
        axes.plot(ticks, [r[2] for r in rows], label="queue 2 (at the RTGS)")
        axes.set(ylabel="payments")
    elif kind in ("balances", "costs"):
        timeline = analysis.balance_timeline if kind == "balances" else analysis.cost_timeline
        series: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row in timeline(db, simulation_id).fetchall():
            series[row[0]].append((row[1], row[2]))
        for agent, points in sorted(series.items()):
            axes.plot([p[0] for p in points], [p[1] for p in points], linewidth=1, label=agent)
        axes.set(ylabel="cents" if kind == "balances" else "cumulative cost, cents")
        axes.yaxis.set_major_formatter(_money)
    else:
        raise ChartError(f"unknown chart kind {kind!r}: one of {', '.join(RUN_KINDS)}")
    axes.set(title=f"{simulation_id}: {kind}", xlabel="tick")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, ncols=2)
    figure.tight_layout()
    return _write(figure, fmt)


def save_chart(data: bytes, path: str | Path) -> None:
    Path(path).write_bytes(data)


def format_of(path: str | Path) -> str:
    """``png`` or ``svg``, from the file's suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ChartError(f"{str(path)!r}: give a .png or .svg file")
    return suffix
