"""A synthetic policy-search experiment, recorded through ExperimentRecorder.

Each iteration proposes a new release threshold for one bank, evaluates it by
simulation, bootstraps it on other seeds, and keeps it only if the evaluation
costs less than the best so far; rejected proposals are recorded too. Same
seed, same experiment.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from simcash_db.experiments import ExperimentRecorder
from simcash_db.farm import TEMPLATE, Shard, shard_folder
from simcash_db.models import ExperimentRecord
from simcash_db.models.simulation_ids import generate_simulation_id
from simcash_db.workload.farm import ShardTask, run_on_farm
from simcash_db.workload.orchestrator import SyntheticOrchestrator
from simcash_db.workload.simulation import SimulatedRun

START = datetime(2026, 1, 1)


@dataclass(frozen=True)
class ExperimentShape:
    iterations: int = 5
    bootstrap_samples: int = 3
    banks: int = 5
    ticks_per_day: int = 20
    days: int = 2

    @property
    def simulations(self) -> int:
        """How many simulations the experiment runs (for progress bars)."""
        return 2 + self.iterations * (1 + self.bootstrap_samples)


def _config(shape: ExperimentShape, seed: int, thresholds: dict[str, float]) -> dict[str, Any]:
    """The orchestrator config of one simulation: the policy is each bank's threshold."""
    return {
        "ticks_per_day": shape.ticks_per_day,
        "num_days": shape.days,
        "rng_seed": seed,
        "agent_configs": [
            {"id": bank, "policy": {"type": "Threshold", "threshold": thresholds[bank]}}
            for bank in sorted(thresholds)
        ],
    }


def _agent_costs(config: dict[str, Any]) -> dict[str, int]:
    """Each bank's cost over a whole run of ``config``, simulated and not stored."""
    orchestrator = SyntheticOrchestrator.new(config)
    for _ in range(config["ticks_per_day"] * config["num_days"]):
        orchestrator.tick()
    return {name: sum(b.costs.values()) for name, b in orchestrator.state.banks.items()}


def _bank_costs(run: SimulatedRun, bank: str) -> dict[str, int]:
    """A bank's costs by kind over a run, summed from its daily metrics (cents)."""
    kinds = ("liquidity_cost", "delay_cost", "collateral_cost", "deadline_penalty_cost")
    rows = [r for r in run.tables["daily_agent_metrics"] if r["agent_id"] == bank]
    return {kind: sum(int(r.get(kind, 0)) for r in rows) for kind in kinds}


class _Clock:
    """Run times a minute apart from START: reruns store identical rows (INV-2)."""

    def __init__(self) -> None:
        self.minutes = 0

    def __call__(self) -> datetime:
        now = START + timedelta(minutes=self.minutes)
        self.minutes += 1
        return now


def run_synthetic_experiment(
    recorder: ExperimentRecorder,
    experiment_id: str,
    seed: int,
    shape: ExperimentShape | None = None,
    *,
    on_simulation: Callable[[str | None, SimulatedRun], None] | None = None,
    executor: Executor | None = None,
) -> ExperimentRecord:
    """Runs and records a whole synthetic experiment; returns its finished record.

    With an ``executor`` (a ``ProcessPoolExecutor``, a Dask client's
    executor...), each iteration's bootstrap samples run side by side, each
    recorded into a shard of its own and merged in order: the database ends
    the same as with one process (``simcash_db.workload.farm``).
    """
    shape = shape or ExperimentShape()
    rng = random.Random(seed)
    banks = [f"BANK_{i:02d}" for i in range(shape.banks)]
    recorder.start_experiment(
        experiment_id,
        "synthetic policy search",
        "policy_search",
        {"shape": shape.__dict__, "objective": "total cost, int cents"},
        seed,
        replace=True,
    )
    clock = _Clock()

    def simulate(
        iteration: int,
        purpose: str,
        thresholds: dict[str, float],
        sample: int | None = None,
        run_seed: int | None = None,
    ) -> tuple[str | None, SimulatedRun]:
        # Evaluations share one seed, so a cost difference is the policy's doing.
        run_seed = run_seed if run_seed is not None else seed * 1000
        config = _config(shape, run_seed, thresholds)
        # The same path a real simulator's run takes: its orchestrator,
        # driven tick by tick and recorded by a RunRecorder.
        orchestrator = SyntheticOrchestrator.new(config)
        simulation_id = recorder.record_run(
            iteration, purpose, sample, orchestrator, config,
            clock=clock, config_name="synthetic-rtgs",
        )  # fmt: skip
        run = orchestrator.state.out
        banks = orchestrator.state.banks
        run.costs_per_agent = {name: sum(bank.costs.values()) for name, bank in banks.items()}
        if on_simulation is not None:
            on_simulation(simulation_id, run)
        return simulation_id, run

    def farm_samples(
        iteration: int, proposal: dict[str, float], sample_seeds: list[int]
    ) -> list[SimulatedRun]:
        assert executor is not None
        experiment = recorder.repository.load_experiment(experiment_id)
        assert experiment is not None
        with shard_folder(recorder.db) as folder:
            tasks = [
                ShardTask(
                    shard=Shard(
                        str(folder / f"sample{sample}.duckdb"), experiment, str(folder / TEMPLATE)
                    ),
                    policy=recorder.policy,
                    iteration=iteration,
                    purpose="bootstrap",
                    sample=sample,
                    config=_config(shape, sample_seed, proposal),
                    times=(clock(), clock()),  # in the order one process takes them
                )
                for sample, sample_seed in enumerate(sample_seeds)
            ]
            runs = []
            for task, costs in zip(tasks, run_on_farm(executor, recorder.db, tasks), strict=True):
                run = SimulatedRun(costs_per_agent=costs)
                if on_simulation is not None:
                    on_simulation(
                        generate_simulation_id(experiment_id, iteration, "bootstrap", task.sample),
                        run,
                    )
                runs.append(run)
        return runs

    best = {bank: 1.0 for bank in banks}
    _, initial = simulate(0, "initial", best)
    best_cost, best_costs = initial.total_cost, initial.costs_per_agent
    for iteration in range(shape.iterations):
        bank = rng.choice(banks)
        proposal = {**best, bank: round(max(0.0, min(1.5, best[bank] + rng.uniform(-0.4, 0.2))), 3)}
        evaluation_id, evaluation = simulate(iteration, "evaluation", proposal)
        sample_seeds = [seed * 1000 + 500 + sample for sample in range(shape.bootstrap_samples)]
        # The evaluation the decision rests on, in the agent's actual costs:
        # the best policy and the proposal on the same seeds (the old
        # policy's samples are simulated too, not stored; on the farm, side
        # by side with the proposal's).
        old_configs = [_config(shape, sample_seed, best) for sample_seed in sample_seeds]
        if executor is None:
            sample_runs = [
                simulate(iteration, "bootstrap", proposal, sample, sample_seed)[1]
                for sample, sample_seed in enumerate(sample_seeds)
            ]
            old_costs = [_agent_costs(config) for config in old_configs]
        else:
            old_futures = [executor.submit(_agent_costs, config) for config in old_configs]
            sample_runs = farm_samples(iteration, proposal, sample_seeds)
            old_costs = [future.result() for future in old_futures]
        samples = [run.total_cost for run in sample_runs]
        accepted = evaluation.total_cost < best_cost
        sample_costs = [
            (old[bank], run.costs_per_agent[bank])
            for old, run in zip(old_costs, sample_runs, strict=True)
        ]
        recorder.record_policy_evaluation(
            iteration,
            bank,
            evaluation_mode="bootstrap" if sample_costs else "deterministic",
            proposed_policy={"type": "Threshold", "threshold": proposal[bank]},
            old_cost=best_costs[bank],
            new_cost=evaluation.costs_per_agent[bank],
            context_simulation_cost=best_cost,
            accepted=accepted,
            acceptance_reason=(
                f"total cost {'fell' if accepted else 'did not fall'} "
                f"from {best_cost} to {evaluation.total_cost}"
            ),
            sample_costs=sample_costs or None,
            scenario_seed=None if sample_costs else seed * 1000,
            settlement_rate=evaluation.total_settlements / max(1, len(evaluation.transactions)),
            cost_breakdown=_bank_costs(evaluation, bank),
            evaluation_simulation_id=evaluation_id,
            timestamp=START + timedelta(hours=iteration),
        )
        # Times from the experiment's own clock, not the wall's: reruns
        # store identical rows (INV-2).
        at = (START + timedelta(hours=iteration)).isoformat()
        recorder.record_event(
            iteration,
            "bootstrap_evaluation",
            {"sample_costs": samples, "mean_cost": sum(samples) // max(1, len(samples))},
            timestamp=at,
        )
        recorder.record_event(
            iteration,
            "policy_change",
            {"agent": bank, "old": best[bank], "new": proposal[bank], "accepted": accepted},
            timestamp=at,
        )
        recorder.record_iteration(
            iteration,
            evaluation.costs_per_agent,
            {bank: accepted},
            proposal,
            evaluation_id,
            accepted=accepted,
            timestamp=(START + timedelta(hours=iteration)).isoformat(),
        )
        if accepted:
            best, best_cost = proposal, evaluation.total_cost
            best_costs = evaluation.costs_per_agent
        recorder.record_event(
            iteration, "convergence_check", {"best_cost": best_cost}, timestamp=at
        )
    _, final = simulate(max(0, shape.iterations - 1), "final", best)
    return recorder.finish_experiment(
        converged=True,
        convergence_reason=f"ran {shape.iterations} iterations",
        final_cost=final.total_cost,
        best_cost=min(best_cost, final.total_cost),
    )
