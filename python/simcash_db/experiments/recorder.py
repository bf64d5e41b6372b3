"""ExperimentRecorder: what an experiment runner calls to record everything it does."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from statistics import stdev as statistics_stdev
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.deletion import clear_simulation_rows
from simcash_db.errors import NotFoundError, WriteError
from simcash_db.experiments.policy import ExperimentPersistencePolicy
from simcash_db.models import (
    ExperimentEventRecord,
    ExperimentIterationRecord,
    ExperimentRecord,
    PolicyEvaluationRecord,
    SimulationRunPurpose,
    SimulationRunRecord,
)
from simcash_db.models.enums import EvaluationMode
from simcash_db.models.simulation_ids import generate_simulation_id
from simcash_db.models.timestamps import utc_now
from simcash_db.repository import ExperimentRepository
from simcash_db.simulator import Orchestrator, RunRecorder

log = logging.getLogger("simcash_db")

Row = Mapping[str, Any]
_LINK_FIELDS = ("simulation_id", "experiment_id", "iteration", "sample_index", "run_purpose")


#: Columns of a policy evaluation computed from ``sample_costs``, or given as they are.
EVALUATION_STATISTICS = (
    "delta_sum",
    "num_samples",
    "sample_details",
    "cost_std_dev",
    "cost_ci95_lower",
    "cost_ci95_upper",
)


class ExperimentRecorder:
    """Records one experiment: its runs (linked, stored as the policy says),
    iterations, events and outcome. Costs are int cents everywhere.

    >>> from simcash_db import DatabaseManager
    >>> db = DatabaseManager(":memory:"); db.setup()
    >>> recorder = ExperimentRecorder(db)
    >>> _ = recorder.start_experiment("exp-1", "demo", "policy_search", {"agents": 2}, 42)
    >>> run = {"config_name": "s", "config_hash": "h", "start_time": "2026-01-01T00:00:00",
    ...        "ticks_per_day": 10, "num_days": 1, "rng_seed": 7, "status": "completed"}
    >>> recorder.record_simulation(0, "evaluation", run=run,
    ...     events=[{"event_type": "Arrival", "tick": 0, "tx_id": "t1"}])
    'exp-1-iter0-evaluation'
    >>> recorder.record_iteration(0, {"A": 1200, "B": 900}, {"A": True}, {"A": {}},
    ...     evaluation_simulation_id="exp-1-iter0-evaluation")
    >>> recorder.finish_experiment(True, "stable", final_cost=2100, best_cost=2100).converged
    True
    >>> db.close()
    """

    def __init__(
        self,
        db: DatabaseManager,
        experiment_id: str | None = None,
        policy: ExperimentPersistencePolicy | None = None,
    ) -> None:
        self.db = db
        self.repository = ExperimentRepository(db)
        self.policy = policy or ExperimentPersistencePolicy()
        self._experiment_id = experiment_id
        if experiment_id is not None and self.repository.load_experiment(experiment_id) is None:
            raise NotFoundError(f"no experiment {experiment_id!r} to record into")

    @property
    def experiment_id(self) -> str:
        if self._experiment_id is None:
            raise WriteError("no experiment started: call start_experiment first")
        return self._experiment_id

    def start_experiment(
        self,
        experiment_id: str,
        experiment_name: str,
        experiment_type: str,
        config: Any,
        master_seed: int,
        *,
        scenario_path: str | None = None,
        replace: bool = False,
    ) -> ExperimentRecord:
        """Create the experiment's row; ``replace`` deletes an earlier one with its runs."""
        if self.repository.load_experiment(experiment_id) is not None:
            if not replace:
                raise WriteError(
                    f"experiment {experiment_id!r} exists; pass replace=True to record it anew"
                )
            self.repository.delete_experiment(experiment_id)
        record = ExperimentRecord(
            experiment_id=experiment_id,
            experiment_name=experiment_name,
            experiment_type=experiment_type,
            config=config,
            master_seed=master_seed,
            scenario_path=scenario_path,
        )
        self.repository.save_experiment(record)
        self._experiment_id = experiment_id
        return record

    def record_simulation(
        self,
        iteration: int,
        purpose: SimulationRunPurpose | str,
        sample_index: int | None = None,
        *,
        run: SimulationRunRecord | Row,
        events: Iterable[Row] | None = None,
        transactions: Iterable[Row] | None = None,
        tables: Mapping[str, Iterable[Row]] | None = None,
    ) -> str | None:
        """Store a simulation of this experiment as far as the policy allows.

        ``run`` holds the run row's fields (the link fields are set here);
        ``tables`` maps per-tick or per-day tables to their rows (without
        ``simulation_id``). Returns the simulation's id, or None when the
        policy stores nothing. Recording the same simulation again replaces
        it; if a write fails, nothing of the simulation is left.
        """
        simulation_id = generate_simulation_id(self.experiment_id, iteration, purpose, sample_index)
        if not self.policy.stores_run(purpose):
            return None
        record = self._run_record(run, simulation_id, iteration, purpose, sample_index)
        if self.db.get_simulation_run(simulation_id) is not None:
            clear_simulation_rows(self.db.conn, simulation_id)
        self.db.save_simulation_run(record)
        try:
            if events is not None and self.policy.stores_events(purpose):
                self.db.write_events(simulation_id, events)
            if self.policy.stores_transactions(purpose):
                if transactions is not None:
                    self.db.write_transactions(simulation_id, transactions)
                for table, rows in (tables or {}).items():
                    self.db.write_rows(table, rows, simulation_id=simulation_id)
        except BaseException:
            log.warning("recording %s failed; removing what was stored of it", simulation_id)
            clear_simulation_rows(self.db.conn, simulation_id)
            self.db.conn.execute(
                "DELETE FROM simulation_runs WHERE simulation_id = ? AND simulation_id NOT IN "
                "(SELECT evaluation_simulation_id FROM experiment_iterations "
                "WHERE evaluation_simulation_id IS NOT NULL)",
                [simulation_id],
            )
            raise
        return simulation_id

    def record_run(
        self,
        iteration: int,
        purpose: SimulationRunPurpose | str,
        sample_index: int | None,
        orchestrator: Orchestrator,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] | None = None,
        **run_fields: Any,
    ) -> str | None:
        """Drive a whole run of ``orchestrator`` and record it as this
        experiment's simulation, through the same ``RunRecorder`` a standalone
        run uses, as far as the persistence policy says: the run row
        (summary), its events, its transactions, day rows and per-tick rows (full). Returns
        the structured id, or None when the policy stores nothing (the run is
        driven all the same). Recording it again replaces the earlier one.
        """
        simulation_id = generate_simulation_id(self.experiment_id, iteration, purpose, sample_index)
        if not self.policy.stores_run(purpose):
            for _ in range(int(config["ticks_per_day"]) * int(config["num_days"])):
                orchestrator.tick()
            return None
        if self.db.get_simulation_run(simulation_id) is not None:
            clear_simulation_rows(self.db.conn, simulation_id)
        links: dict[str, Any] = {
            "experiment_id": self.experiment_id,
            "iteration": iteration,
            "sample_index": sample_index,
            "run_purpose": SimulationRunPurpose(purpose),
        }
        with RunRecorder(
            self.db,
            orchestrator,
            config,
            simulation_id=simulation_id,
            store_events=self.policy.stores_events(purpose),
            store_rows=self.policy.stores_transactions(purpose),
            # FULL: the per-tick tables too, where the simulator exposes them.
            store_tick_states=self.policy.stores_transactions(purpose),
            clock=clock,
            **links,
            **run_fields,
        ) as recorder:
            for _ in range(recorder.total_ticks):
                recorder.tick()
        return simulation_id

    def _run_record(
        self,
        run: SimulationRunRecord | Row,
        simulation_id: str,
        iteration: int,
        purpose: SimulationRunPurpose | str,
        sample_index: int | None,
    ) -> SimulationRunRecord:
        fields = dict(run.model_dump() if isinstance(run, SimulationRunRecord) else run)
        links = {
            "simulation_id": simulation_id,
            "experiment_id": self.experiment_id,
            "iteration": iteration,
            "sample_index": sample_index,
            "run_purpose": SimulationRunPurpose(purpose),
        }
        for name in _LINK_FIELDS:
            given = fields.get(name)
            if (
                given is not None
                and given != links[name]
                and not (name == "run_purpose" and given == SimulationRunPurpose.STANDALONE)
            ):
                raise ValueError(
                    f"run.{name} is {given!r} but this simulation's is {links[name]!r}"
                )
        fields.update(links)
        return SimulationRunRecord.model_validate(fields)

    def record_iteration(
        self,
        iteration: int,
        costs_per_agent: Mapping[str, int],
        accepted_changes: Any,
        policies: Any,
        evaluation_simulation_id: str | None = None,
        *,
        accepted: bool = True,
        timestamp: str | None = None,
    ) -> None:
        """Store an iteration (recording it again replaces it)."""
        if not self.policy.stores_iteration(accepted):
            return
        self.repository.save_iteration(
            ExperimentIterationRecord(
                experiment_id=self.experiment_id,
                iteration=iteration,
                costs_per_agent=dict(costs_per_agent),
                accepted_changes=accepted_changes,
                policies=policies,
                timestamp=timestamp or utc_now().isoformat(),
                evaluation_simulation_id=evaluation_simulation_id,
            )
        )

    def record_policy_evaluation(
        self,
        iteration: int,
        agent_id: str,
        *,
        evaluation_mode: EvaluationMode | str,
        proposed_policy: Any,
        old_cost: int,
        new_cost: int,
        accepted: bool,
        acceptance_reason: str,
        context_simulation_cost: int | None = None,
        sample_costs: list[tuple[int, int]] | None = None,
        evaluation_simulation_id: str | None = None,
        **fields: Any,
    ) -> PolicyEvaluationRecord:
        """Store one agent's policy evaluation at ``iteration`` (accepted or
        rejected); recording it again replaces it.

        ``old_cost`` and ``new_cost`` are the actual costs in cents of the old
        and the proposed policy. ``sample_costs``, for a bootstrap evaluation,
        is each sample's (old, new) cost: ``delta_sum``, ``num_samples``, the
        per-sample details, the standard deviation of the deltas and their 95%
        confidence interval (normal approximation) are computed from it, in
        integer cents. A runner that computed them itself passes them instead
        (``delta_sum``, ``num_samples``, ``cost_std_dev``, ``cost_ci95_lower``,
        ``cost_ci95_upper``, ``sample_details``: int cents), without
        ``sample_costs``; both at once is a ValueError. ``fields`` are the
        remaining columns (``scenario_seed``, ``settlement_rate``,
        ``avg_delay``, ``cost_breakdown``, ``agent_stats``).
        """
        given = [name for name in EVALUATION_STATISTICS if name in fields]
        if given and sample_costs is not None:
            raise ValueError(
                f"record_policy_evaluation: sample_costs and {', '.join(given)} were both "
                "given; pass the samples (the statistics are computed from them) or the "
                "statistics your runner computed, not both"
            )
        for own in ("experiment_id", "iteration", "agent_id"):
            if own in fields:
                raise ValueError(f"record_policy_evaluation: {own} is not a field to pass here")
        samples = sample_costs or [(old_cost, new_cost)]
        deltas = [new - old for old, new in samples]
        statistics: dict[str, Any] = {
            "delta_sum": sum(deltas),
            "num_samples": len(samples),
        }
        # A runner's own statistics, as given (the model validates them).
        statistics.update((name, fields.pop(name)) for name in given)
        if sample_costs is not None:
            statistics["sample_details"] = [
                {"sample": i, "old_cost": old, "new_cost": new}
                for i, (old, new) in enumerate(sample_costs)
            ]
            if len(deltas) > 1:
                deviation = statistics_stdev(deltas)
                half_width = 1.96 * deviation / math.sqrt(len(deltas))
                mean = sum(deltas) / len(deltas)
                # Cents are integers: the interval is rounded outwards.
                statistics["cost_std_dev"] = round(deviation)
                statistics["cost_ci95_lower"] = math.floor(mean - half_width)
                statistics["cost_ci95_upper"] = math.ceil(mean + half_width)
        record = PolicyEvaluationRecord(
            experiment_id=self.experiment_id,
            iteration=iteration,
            agent_id=agent_id,
            evaluation_mode=EvaluationMode(evaluation_mode),
            proposed_policy=proposed_policy,
            old_cost=old_cost,
            new_cost=new_cost,
            context_simulation_cost=(
                old_cost if context_simulation_cost is None else context_simulation_cost
            ),
            accepted=accepted,
            acceptance_reason=acceptance_reason,
            evaluation_simulation_id=evaluation_simulation_id,
            **statistics,
            **fields,
        )
        self.repository.save_policy_evaluation(record)
        return record

    def record_event(
        self, iteration: int, event_type: str, event_data: Any, timestamp: str | None = None
    ) -> int:
        """Store an experiment event (``llm_interaction``, ``policy_change``...); returns its id."""
        return self.repository.save_event(
            ExperimentEventRecord(
                experiment_id=self.experiment_id,
                iteration=iteration,
                event_type=event_type,
                event_data=event_data,
                timestamp=timestamp or utc_now().isoformat(),
            )
        )

    def finish_experiment(
        self,
        converged: bool,
        convergence_reason: str | None = None,
        final_cost: int | None = None,
        best_cost: int | None = None,
    ) -> ExperimentRecord:
        """Record the outcome; ``num_iterations`` counts the stored iterations."""
        record = self.repository.load_experiment(self.experiment_id)
        if record is None:
            raise NotFoundError(f"no experiment {self.experiment_id!r}")
        finished = ExperimentRecord.model_validate(
            {
                **record.model_dump(),
                "converged": converged,
                "convergence_reason": convergence_reason,
                "final_cost": final_cost,
                "best_cost": best_cost,
                "completed_at": utc_now(),
                "num_iterations": len(self.repository.get_iterations(self.experiment_id)),
            }
        )
        self.repository.save_experiment(finished)
        return finished
