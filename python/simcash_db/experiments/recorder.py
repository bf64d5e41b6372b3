"""ExperimentRecorder: what an experiment runner calls to record everything it does."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.errors import NotFoundError, WriteError
from simcash_db.experiments.evaluations import evaluation_statistics
from simcash_db.experiments.policy import ExperimentPersistencePolicy
from simcash_db.experiments.runs import (
    clear_earlier_recording,
    linked_run_record,
    remove_unlinked_run,
    run_links,
    store_simulation,
)
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
from simcash_db.simulator.config import run_shape

log = logging.getLogger("simcash_db")

Row = Mapping[str, Any]


class ExperimentRecorder:
    """Records one experiment: its runs (linked, stored as the policy says),
    iterations, events and outcome. Costs are int cents everywhere.

    Examples:
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
        links = run_links(simulation_id, self.experiment_id, iteration, purpose, sample_index)
        record = linked_run_record(run, links)
        clear_earlier_recording(self.db, simulation_id)
        self.db.save_simulation_run(record)
        try:
            if not self.policy.stores_events(purpose):
                events = None
            if not self.policy.stores_transactions(purpose):
                transactions, tables = None, None
            store_simulation(self.db, simulation_id, events, transactions, tables)
        except BaseException:
            log.warning("recording %s failed; removing what was stored of it", simulation_id)
            remove_unlinked_run(self.db, simulation_id)
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
        experiment's simulation (a ``RunRecorder``, as far as the policy
        says); returns the structured id, or None when the policy stores
        nothing (the run is driven all the same). Recording it again
        replaces the earlier one."""
        simulation_id = generate_simulation_id(self.experiment_id, iteration, purpose, sample_index)
        if not self.policy.stores_run(purpose):
            ticks_per_day, num_days, _ = run_shape(config)
            for _ in range(ticks_per_day * num_days):
                orchestrator.tick()
            return None
        clear_earlier_recording(self.db, simulation_id)
        links = run_links(simulation_id, self.experiment_id, iteration, purpose, sample_index)
        with RunRecorder(
            self.db,
            orchestrator,
            config,
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
        if not isinstance(costs_per_agent, Mapping):
            raise TypeError("costs_per_agent must be a dict of agent id to int cents")
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
        is each sample's (old, new) cost, from which the statistics columns
        are computed (``evaluation_statistics``); a runner that computed them
        itself passes them as ``fields`` instead (int cents), not both.
        ``fields`` are the remaining columns (``scenario_seed``,
        ``settlement_rate``, ``avg_delay``, ``cost_breakdown``, ``agent_stats``).
        """
        statistics = evaluation_statistics(old_cost, new_cost, sample_costs, fields)
        context = old_cost if context_simulation_cost is None else context_simulation_cost
        record = PolicyEvaluationRecord(
            experiment_id=self.experiment_id,
            iteration=iteration,
            agent_id=agent_id,
            evaluation_mode=EvaluationMode(evaluation_mode),
            proposed_policy=proposed_policy,
            old_cost=old_cost,
            new_cost=new_cost,
            context_simulation_cost=context,
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
