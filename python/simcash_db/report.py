"""One self-contained HTML report of an experiment: no network needed to view
it (charts inline as SVG, styles inline, no scripts), built from the
analysis queries and the charts."""

from __future__ import annotations

import html
import json
from typing import Any

from simcash_db import analysis, charts
from simcash_db.database import DatabaseManager
from simcash_db.errors import NotFoundError
from simcash_db.repository import ExperimentRepository

_STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.text { text-align: left; }
.chart svg { width: 100%; height: auto; }
.best { background: #e6f4e6; } code { background: #f3f3f3; padding: 0 0.3em; }
"""


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        text, cls = ("yes" if value else "no") if value is not None else "-", "text"
    elif isinstance(value, int):
        text, cls = f"{value:,}", ""
    elif isinstance(value, float):
        text, cls = f"{value:.3f}", ""
    else:
        text, cls = str(value), "text"
    return f'<td class="{cls}">{html.escape(text)}</td>'


def _table(columns: list[str], rows: list[tuple[Any, ...]], marked: set[int] | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f'<tr class="{"best" if marked and i in marked else ""}">'
        + "".join(_cell(v) for v in row)
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _svg(data: bytes) -> str:
    text = data.decode()
    # Inline: drop the XML prolog and doctype, and the RDF metadata block.
    text = text[text.index("<svg") :]
    start, end = text.find(" <metadata>"), text.find("</metadata>")
    if start != -1 and end != -1:
        text = text[:start] + text[end + len("</metadata>") :]
    return text


def _section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{html.escape(title)}</h2>{body}</section>'


def featured_runs(db: DatabaseManager, experiment_id: str) -> tuple[str | None, str | None]:
    """The ids of the experiment's final run and of its best evaluated run (or None)."""
    runs = db.list_simulation_runs(experiment_id)
    final = next((r.simulation_id for r in runs if r.run_purpose.value == "final"), None)
    scored = [
        (sum(it.costs_per_agent.values()), it.iteration, it.evaluation_simulation_id)
        for it in ExperimentRepository(db).get_iterations(experiment_id)
        if it.evaluation_simulation_id
    ]
    return final, (min(scored)[2] if scored else None)


def experiment_report(db: DatabaseManager, experiment_id: str) -> str:
    """The report of ``experiment_id`` as one HTML document."""
    repo = ExperimentRepository(db)
    record = repo.load_experiment(experiment_id)
    if record is None:
        raise NotFoundError(f"no experiment {experiment_id!r}")
    iterations = repo.get_iterations(experiment_id)
    runs = db.list_simulation_runs(experiment_id)
    evaluations = {it.evaluation_simulation_id: it for it in iterations}
    final_run, best_run = featured_runs(db, experiment_id)
    sections = []
    meta = [
        ("experiment", record.experiment_id), ("name", record.experiment_name),
        ("type", record.experiment_type), ("master seed", record.master_seed),
        ("created", record.created_at.isoformat(timespec="seconds")),
        ("state", "completed" if record.completed_at else "interrupted"),
        ("iterations stored", len(iterations)), ("converged", record.converged),
        ("reason", record.convergence_reason), ("final cost (cents)", record.final_cost),
        ("best cost (cents)", record.best_cost),
    ]  # fmt: skip
    sections.append(_section("metadata", "Experiment", _table(["field", "value"], meta)))
    if iterations:
        chart = charts.experiment_chart(db, experiment_id, "svg")
        sections.append(
            _section("cost-curve", "Cost curve", f'<div class="chart">{_svg(chart)}</div>')
        )
    totals = [sum(it.costs_per_agent.values()) for it in iterations]
    best_index = {totals.index(min(totals))} if totals else set()
    rows = [
        (it.iteration, sum(it.costs_per_agent.values()), json.dumps(it.accepted_changes),
         it.evaluation_simulation_id or "-")
        for it in iterations
    ]  # fmt: skip
    sections.append(
        _section(
            "iterations",
            "Iterations and accepted changes",
            _table(
                ["iteration", "total cost", "accepted changes", "evaluation run"], rows, best_index
            ),
        )
    )
    evaluated = analysis.policy_evaluations(db, experiment_id)
    columns = ["iteration", "agent_id", "evaluation_mode", "old_cost", "new_cost", "delta",
               "num_samples", "mean_delta", "cost_ci95_lower", "cost_ci95_upper", "accepted",
               "acceptance_reason"]  # fmt: skip
    picked = evaluated.select(*columns).fetchall()
    sections.append(
        _section(
            "evaluations",
            "Policy evaluations (cents; 95% interval of the mean delta per sample)",
            _table(columns, picked) if picked else "<p>No policy evaluations stored.</p>",
        )
    )
    for section_id, title, simulation_id in (
        ("final-run", "Final run", final_run),
        ("best-run", "Best evaluated run", best_run),
    ):
        if simulation_id is None:
            continue
        summary = analysis.run_summary(db, simulation_id)
        values = dict(zip(summary.columns, summary.fetchall()[0], strict=True))
        values.pop("events_by_type")
        timeline = charts.run_chart(db, simulation_id, "balances", "svg", 1000, 420)
        queues = charts.run_chart(db, simulation_id, "queues", "svg", 1000, 420)
        replay = f"<p>Replay it: <code>simcash-db replay {html.escape(simulation_id)}</code></p>"
        note = (
            f" (the evaluation of iteration {evaluations[simulation_id].iteration})"
            if simulation_id in evaluations
            else ""
        )
        sections.append(
            _section(
                section_id,
                f"{title}: {simulation_id}{note}",
                _table(["measure", "value"], [(k.replace("_", " "), v) for k, v in values.items()])
                + f'<div class="chart">{_svg(timeline)}</div>'
                + f'<div class="chart">{_svg(queues)}</div>'
                + replay,
            )
        )
    run_rows = [
        (r.simulation_id, r.iteration, r.run_purpose.value, r.status.value, r.total_cost)
        for r in runs
    ]
    sections.append(
        _section(
            "runs",
            "Runs (ids to replay)",
            _table(["simulation", "iteration", "purpose", "status", "total cost"], run_rows),
        )
    )
    title = html.escape(f"simcash-db report: {experiment_id}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{title}</h1>{''.join(sections)}</body></html>\n"
    )
