"""The dashboard's pages: what each asks for, and what its template gets."""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from simcash_db.serve import queries as q
from simcash_db.serve.access import DatabaseAccess
from simcash_db.serve.digests import TIMELINES, RunDigests
from simcash_db.serve.responses import ident, number, optional_ident, respond
from simcash_db.serve.svg import line_chart, sparkline
from simcash_db.serve.tables import Table


def statuses(experiments: Table, recording: bool) -> dict[str, str]:
    """Each experiment's status: completed; running, the newest one not
    completed while a process records into the file; failed, the others (their
    runner stopped before finish_experiment). ``experiments`` is newest first."""
    found = {}
    for row in experiments.dicts():
        if row["completed_at"] is not None:
            found[row["experiment_id"]] = "completed"
        else:
            found[row["experiment_id"]] = "running" if recording else "failed"
            recording = False  # only the newest can be the one recording
    return found


def _curve_chart(curve: Table, title: str) -> str:
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    totals: dict[int, int] = {}
    for row in curve.dicts():
        series[row["agent_id"]].append((row["iteration"], row["cost"]))
        totals[row["iteration"]] = row["total_cost"]
    series["total"] = sorted(totals.items())
    return line_chart(series, title=title, x_label="iteration", y_label="cost (cents)",
                      emphasise="total")  # fmt: skip


class Pages:
    def __init__(self, access: DatabaseAccess, digests: RunDigests) -> None:
        self.access = access
        self.digests = digests

    async def experiments(self, request: Request) -> Response:
        recording = self.access.recording

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            rows = tables["experiments"].dicts()
            found = statuses(tables["experiments"], recording)
            for row in rows:
                row["status"] = found[row["experiment_id"]]
                row["spark"] = sparkline(row["totals"] or [])
            return {"title": "Experiments", "experiments": rows}

        return await respond(request, self.access, "experiments.html", [q.experiments()], decorate)

    async def experiment(self, request: Request) -> Response:
        eid = ident(request.path_params["experiment_id"], "experiment id")
        recording = self.access.recording

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            record = tables["experiment"].dicts()[0]
            others = [e for e in tables["experiments"].column("experiment_id") if e != eid]
            record["status"] = statuses(tables["experiments"], recording)[eid]
            return {
                "title": f"Experiment {eid}", "experiment": record, "others": others,
                "config": json.dumps(record["config"], indent=2, sort_keys=True),
                "chart": _curve_chart(tables["cost_curve"], f"Cost curve of {eid}"),
                "agents": tables["agents"].column("agent_id"),
                "iteration_ids": tables["iterations"].column("iteration"),
            }  # fmt: skip

        queries = [q.experiment(eid), q.cost_curve(eid), q.iterations(eid), q.evaluations(eid),
                   q.experiment_runs(eid), q.agents(eid), q.experiments()]  # fmt: skip
        return await respond(request, self.access, "experiment.html", queries, decorate,
                             must_exist=[("experiment", f"no experiment {eid!r}")])  # fmt: skip

    async def policy_diff(self, request: Request) -> Response:
        eid = ident(request.path_params["experiment_id"], "experiment id")
        agent = optional_ident(request, "agent")
        if agent is None:
            raise HTTPException(400, "agent is required")
        before, after = number(request, "from", 0), number(request, "to", 0)

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            texts = []
            for name in ("before", "after"):
                rows = tables[name].rows
                value = json.loads(rows[0][1]) if rows and rows[0][1] is not None else None
                texts.append(json.dumps(value, indent=2, sort_keys=True).splitlines())
            diff = list(difflib.unified_diff(texts[0], texts[1], f"iteration {before}",
                                             f"iteration {after}", lineterm=""))  # fmt: skip
            return {"title": f"{agent}'s policy, iteration {before} to {after}",
                    "experiment_id": eid, "agent": agent, "before": before, "after": after,
                    "diff": diff}  # fmt: skip

        queries = [q.policy(eid, before, agent, "before"), q.policy(eid, after, agent, "after"),
                   q.agent(eid, agent)]  # fmt: skip
        missing = [("before", f"no iteration {before} in {eid!r}"),
                   ("after", f"no iteration {after} in {eid!r}"),
                   ("agent", f"no agent {agent!r} in {eid!r}")]  # fmt: skip
        return await respond(
            request, self.access, "diff.html", queries, decorate, must_exist=missing
        )

    async def run(self, request: Request) -> Response:
        sim = ident(request.path_params["simulation_id"], "simulation id")

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            # The points come as every table does (kept per live version while
            # the run records): the charts are drawn only when not kept.
            run = tables["run"].dicts()[0]
            charts = self.digests.charts(sim, run, lambda: tables["timelines"])
            summary = tables["summary"].dicts()
            return {
                "title": f"Run {sim}",
                "run": tables["run"].dicts()[0],
                "charts": charts,
                "summary": summary[0] if summary else {},
                "ticks": tables["ticks"].dicts()[0],
            }

        queries = [q.run(sim), *(self.digests.query(name, sim) for name in self.digests.tables),
                   *(q.timeline(kind, sim) for kind in TIMELINES)]  # fmt: skip
        return await respond(request, self.access, "run.html", queries, decorate,
                             must_exist=[("run", f"no simulation {sim!r}")])  # fmt: skip

    async def ticks(self, request: Request) -> Response:
        sim = ident(request.path_params["simulation_id"], "simulation id")
        tick, page = number(request, "tick", 0), number(request, "page", 0, 1_000_000)
        agent, kind = optional_ident(request, "agent"), optional_ident(request, "type")

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            events = tables["events"].dicts()
            more = len(events) > q.EVENTS_PER_PAGE
            for event in events:
                event["details"] = json.dumps(json.loads(event["details"]), sort_keys=True)
            return {"title": f"Run {sim}, tick {tick}", "simulation_id": sim,
                    "range": tables["ticks"].dicts()[0], "tick": tick, "page": page,
                    "agent": agent, "type": kind, "events": events[: q.EVENTS_PER_PAGE],
                    "more": more}  # fmt: skip

        queries = [q.tick_events(sim, tick, agent, kind, page), q.run(sim), q.tick_range(sim)]
        return await respond(request, self.access, "ticks.html", queries, decorate,
                             must_exist=[("run", f"no simulation {sim!r}")])  # fmt: skip

    async def events(self, request: Request) -> Response:
        sim = ident(request.path_params["simulation_id"], "simulation id")
        if request.query_params.get("format", "html") == "html":
            return RedirectResponse(f"/runs/{sim}/ticks", status_code=303)
        queries = [q.run_events(sim), q.run(sim)]
        return await respond(request, self.access, "ticks.html", queries, lambda tables: {},
                             must_exist=[("run", f"no simulation {sim!r}")])  # fmt: skip

    async def payment(self, request: Request) -> Response:
        sim = ident(request.path_params["simulation_id"], "simulation id")
        tx = ident(request.path_params["tx_id"], "tx_id")

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            if not tables["lifecycle"].rows and not tables["transaction"].rows:
                raise HTTPException(404, f"no payment {tx!r} in {sim!r}")
            events = tables["lifecycle"].dicts()
            for event in events:
                event["details"] = json.dumps(json.loads(event["details"]), sort_keys=True)
            return {"title": f"Payment {tx}", "simulation_id": sim, "tx_id": tx,
                    "events": events, "transaction": tables["transaction"].dicts()}  # fmt: skip

        queries = [q.lifecycle(sim, tx), q.transaction(sim, tx), q.run(sim)]
        return await respond(request, self.access, "payment.html", queries, decorate,
                             must_exist=[("run", f"no simulation {sim!r}")])  # fmt: skip

    async def compare_runs(self, request: Request) -> Response:
        a, b = optional_ident(request, "a"), optional_ident(request, "b")
        if a is None or b is None:
            raise HTTPException(400, "compare needs two runs: ?a=ID&b=ID")

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            return {"title": f"{a} and {b}", "a": a, "b": b}

        queries = [q.compare_costs(a, b), q.compare_events(a, b), q.run(a, "run_a"),
                   q.run(b, "run_b")]  # fmt: skip
        return await respond(request, self.access, "compare_runs.html", queries, decorate,
                             must_exist=[("run_a", f"no simulation {a!r}"),
                                         ("run_b", f"no simulation {b!r}")])  # fmt: skip

    async def compare_experiments(self, request: Request) -> Response:
        a, b = optional_ident(request, "a"), optional_ident(request, "b")
        if a is None or b is None:
            raise HTTPException(400, "compare needs two experiments: ?a=ID&b=ID")

        def decorate(tables: dict[str, Table]) -> dict[str, Any]:
            series = {}
            for name, eid in (("curve_a", a), ("curve_b", b)):
                totals = {r["iteration"]: r["total_cost"] for r in tables[name].dicts()}
                series[eid] = sorted(totals.items())
            chart = line_chart(series, title=f"Total cost: {a} and {b}", x_label="iteration",
                               y_label="total cost (cents)")  # fmt: skip
            return {"title": f"{a} and {b}", "a": a, "b": b, "chart": chart}

        queries = [q.cost_curve(a, "curve_a"), q.cost_curve(b, "curve_b"),
                   q.experiment(a, "experiment_a"), q.experiment(b, "experiment_b")]  # fmt: skip
        return await respond(request, self.access, "compare_experiments.html", queries, decorate,
                             must_exist=[("experiment_a", f"no experiment {a!r}"),
                                         ("experiment_b", f"no experiment {b!r}")])  # fmt: skip
