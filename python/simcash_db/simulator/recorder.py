"""Recording a simulator's run as it goes: the run row, every tick's events
(``TickEvents``), each day's rows once final (``DayRows``), the transactions
at the end (the simulator's view of them is live until then), the run's
totals, and policy snapshots.

The simulator's quirks it absorbs (../shared/simulator.md): rows carry the
simulator's own run id (replaced by the run's id) or none (LSM rows: given);
a run's total cost is the sum of its daily metrics; events of calls made
between ticks are logged under the next tick, so reading each tick's events
after it ran records every event once, in emission order."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.database.cursors import check_id
from simcash_db.models import SimulationRunRecord, SimulationStatus
from simcash_db.models.enums import CheckpointType, PolicyCreator
from simcash_db.models.timestamps import utc_now
from simcash_db.simulator.config import run_shape
from simcash_db.simulator.day_rows import DayRows
from simcash_db.simulator.protocol import Orchestrator
from simcash_db.simulator.tick_events import TickEvents
from simcash_db.snapshots import SnapshotRepository, canonical_hash
from simcash_db.writers.switching import lower_switch_interval, restore_switch_interval

log = logging.getLogger("simcash_db")


class RunRecorder:
    """Records one run of ``orchestrator`` while the caller drives it.

    ``config`` is the dict the orchestrator was built from (the simulator
    does not give it back). Use it as a context manager::

        with RunRecorder(db, orchestrator, config, simulation_id="run-1") as rec:
            for _ in range(rec.total_ticks):
                rec.tick()          # advance one tick, record it
                ...                 # inject payments, change a policy:
                rec.policy_updated("BANK_A", new_policy)

    The run row is written at the start with status ``running`` and
    finished with ``completed`` and its totals; an exception marks the run
    ``failed``, keeps what was committed, and propagates.
    ``checkpoint_each_day`` saves the simulator's state after each day.
    ``store_events`` and ``store_rows`` (transactions, day rows) at False
    keep only the run row and its totals (a persistence policy's summary).
    ``store_tick_states`` (full detail, with ``store_rows``) also stores
    each agent's state and queues per tick where the simulator exposes them
    (see ``DayRows``). ``quick_switching`` lowers the GIL switch interval
    to 1 ms while the run is recorded (``simcash_db.writers.switching``).
    ``clock`` gives the run's start and end times (wall clock by default; a
    fixed clock keeps reruns identical). ``run_fields`` are further columns
    of the run row (``experiment_id``, ``iteration``, ``run_purpose``,
    ``description``, ``config_name``...).
    """

    def __init__(
        self,
        db: DatabaseManager,
        orchestrator: Orchestrator,
        config: Mapping[str, Any],
        *,
        simulation_id: str,
        checkpoint_each_day: bool = False,
        store_events: bool = True,
        store_rows: bool = True,
        store_tick_states: bool = False,
        quick_switching: bool = True,
        clock: Callable[[], datetime] | None = None,
        **run_fields: Any,
    ) -> None:
        self.db = db
        self.orchestrator = orchestrator
        # Refused before anything is written.
        self.ticks_per_day, self.num_days, self._seed = run_shape(config)
        self.config = dict(config)
        self.simulation_id = check_id("simulation_id", simulation_id)
        self.total_ticks = self.ticks_per_day * self.num_days
        self.checkpoint_each_day = checkpoint_each_day
        self.store_events = store_events
        self.store_rows = store_rows
        self.rows = DayRows(
            db,
            orchestrator,
            self.simulation_id,
            self.ticks_per_day,
            store=store_rows,
            tick_states=store_tick_states,
        )
        self.store_tick_states = self.rows.tick_states
        self._clock = clock
        self._quick_switching = quick_switching
        self._switching = False
        self.snapshots = SnapshotRepository(db)
        self._run_fields = run_fields
        self._events: TickEvents | None = None
        self._open = False
        self._started = 0.0
        self._ticks_run = 0
        self.run: SimulationRunRecord | None = None

    # -- the run's life -----------------------------------------------------

    def __enter__(self) -> RunRecorder:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.fail()
            return
        try:
            self.finish()
        except BaseException:
            # Storing the end failed (a bad transaction row, a full disk):
            # the run is not complete, and says so.
            self.fail()
            raise

    def start(self) -> None:
        """Write the run row (``running``), open the event writer, snapshot every policy."""
        fields = {"config_name": "config", "description": None, **self._run_fields}
        self.run = SimulationRunRecord(
            simulation_id=self.simulation_id,
            config_hash=canonical_hash(self.config),
            start_time=self._now(),
            ticks_per_day=self.ticks_per_day,
            num_days=self.num_days,
            rng_seed=self._seed,
            status=SimulationStatus.RUNNING,
            num_agents=len(self.orchestrator.get_agent_ids()),
            config_json=self.config,
            **fields,
        )
        self.db.save_simulation_run(self.run)
        self._started = time.perf_counter()
        if self.store_events:
            self._events = TickEvents(self.db, self.simulation_id, self.total_ticks)
            self.rows.ride_with = self._events.writer
        self._open = True
        policies = {
            str(entry["agent_id"]): entry.get("policy_config")
            for entry in self.orchestrator.get_agent_policies()
        }
        tick = self.orchestrator.current_tick()
        # Stored on the row-writing thread while the first ticks run.
        self.rows.submit(
            self.snapshots.save_policy_snapshots,
            self.simulation_id,
            tick // self.ticks_per_day,
            tick,
            policies,
            PolicyCreator.INIT,
        )
        if self._quick_switching:
            lower_switch_interval()
            self._switching = True

    def tick(self) -> Mapping[str, Any]:
        """Advance the simulator one tick and record it; returns what ``tick()`` returned."""
        if not self._open:
            raise RuntimeError("the recorder is not started: use it in a with block")
        self.rows.release_held()  # the caller goes on past the configured days
        result = self.orchestrator.tick()
        tick = int(result["tick"])
        if self._events is not None:
            self._events.record(tick, self.orchestrator.get_tick_events(tick))
        self.rows.tick_ran(tick)
        self._ticks_run = tick + 1
        if self._ticks_run % self.ticks_per_day == 0:
            day = tick // self.ticks_per_day
            # The last day's rows wait for the end, to commit with the transactions.
            self.rows.day_ended(day, hold=self._ticks_run >= self.total_ticks)
            if self.checkpoint_each_day:
                self.checkpoint(CheckpointType.END_OF_DAY, f"end of day {day}")
        return result

    def policy_updated(self, agent_id: str, policy: Any) -> None:
        """Note a policy the caller gave ``agent_id`` (in force from the next tick)."""
        self.rows.wait()  # the snapshots before it are stored: this one compares with them
        tick = self.orchestrator.current_tick()
        self.snapshots.save_policy_snapshot(
            self.simulation_id,
            agent_id,
            tick // self.ticks_per_day,
            tick,
            policy,
            PolicyCreator.MANUAL,
        )

    def checkpoint(
        self,
        checkpoint_type: CheckpointType = CheckpointType.MANUAL,
        description: str | None = None,
    ) -> str:
        """Save the simulator's state now; returns the checkpoint's id."""
        return self.snapshots.save_checkpoint(
            self.simulation_id,
            self.orchestrator.save_state(),
            self.config,
            tick=self.orchestrator.current_tick(),
            checkpoint_type=checkpoint_type,
            description=description,
        )

    def finish(self) -> SimulationRunRecord:
        """Close the events, store the transactions as final, complete the run row."""
        assert self.run is not None
        self._open = False
        days = -(-self._ticks_run // self.ticks_per_day)
        read = self.orchestrator.get_transactions_for_day
        rows = [row for day in range(days) for row in read(day)]
        transactions = len(rows)
        system = self.orchestrator.get_system_metrics()
        try:
            # The last day's rows and the transactions commit with the last
            # events, in one transaction (or on the rows' thread when the
            # events are not stored).
            if self.store_rows:
                last, self.rows.held = self.rows.held or {}, None
                # Encoded here, where the rows were just built (they are in
                # this core's cache): 10 ms less at the end of a 4-day run
                # than on the rows' thread (benches/overhead.py).
                final = {**last, "transactions": rows}
                try:
                    encoded = self.db.encode_tables(
                        final, simulation_id=self.simulation_id, replace=True
                    )
                except Exception:
                    if self._events is not None:
                        self._events.writer.close()  # bad rows fail the run, its events stay
                    raise
                if self._events is not None:
                    self._events.writer.add_rows(encoded)
                else:
                    self.rows.submit(self.db.write_encoded, encoded)
            if self._events is not None:
                self._events.writer.close()
            self.rows.wait()
        finally:
            self.rows.shutdown()
            self._restore_switching()
        completed = {
            "status": SimulationStatus.COMPLETED,
            **self._ended(),
            "total_transactions": transactions,
            "total_settlements": int(system.get("total_settlements", 0)),
            "total_cost": self.rows.cost,
        }
        self.run = self.run.model_copy(update=completed)
        self.db.update_simulation_run(self.run, completed)  # one statement: the run's last
        return self.run

    def fail(self) -> None:
        """Mark the run failed; what was committed stays. Called while an
        exception propagates: a failure here (say, on a connection DuckDB
        gave up after Ctrl-C) is logged, and the original goes on."""
        try:
            self._open = False
            with contextlib.suppress(Exception):  # the failure being raised is the one to report
                self.rows.release_held()  # the last day ended: its rows stay
            if self._events is not None:
                self._events.writer.abort()  # commits the rows added, not the events unflushed
            with contextlib.suppress(Exception):
                self.rows.wait()
            self.rows.shutdown()
            if self.run is not None:
                update = {"status": SimulationStatus.FAILED, **self._ended()}
                self.run = self.run.model_copy(update=update)
                self.db.save_simulation_run(self.run)
        except Exception:
            log.warning("could not mark run %r failed", self.simulation_id, exc_info=True)
        finally:
            self._restore_switching()

    def _restore_switching(self) -> None:
        if self._switching:
            self._switching = False
            restore_switch_interval()

    def _now(self) -> datetime:
        return self._clock() if self._clock is not None else utc_now()

    def _ended(self) -> dict[str, Any]:
        end = self._now()
        if self._clock is not None and self.run is not None:
            duration = (end - self.run.start_time).total_seconds()
        else:
            duration = time.perf_counter() - self._started
        return {"end_time": end, "duration_seconds": duration}
