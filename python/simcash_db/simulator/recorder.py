"""Recording a simulator's run as it goes: the run row, every tick's events
through the streaming writer, each day's rows once final, the transactions at
the end (the simulator's view of them is live until then), the run's totals,
and policy snapshots.

The simulator's quirks it absorbs (../shared/simulator.md): rows carry the
simulator's own run id, which changes from tick to tick (replaced by the
run's id) or is missing (LSM rows: given); a run's total cost is the sum of
its daily metrics (the accumulated costs restart each day); events of calls
made between ticks are logged under the next tick, so reading each tick's
events after it ran records every event once, in emission order.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.database.cursors import check_id
from simcash_db.models import I64_MAX, SimulationRunRecord, SimulationStatus
from simcash_db.models.enums import CheckpointType, PolicyCreator
from simcash_db.models.timestamps import utc_now
from simcash_db.simulator.protocol import Orchestrator
from simcash_db.snapshots import SnapshotRepository, canonical_hash
from simcash_db.writers import EventWriter
from simcash_db.writers.switching import lower_switch_interval, restore_switch_interval

log = logging.getLogger("simcash_db")

#: Events per committed batch of a recorded run. Batches of a fixed size
#: (not a day each, not whenever the writer's thread is free) keep the ledger
#: the same for the same run (INV-2), commit while the simulator runs, and
#: leave one short batch when the run ends (day-sized batches left about
#: 80 ms: 2.5% of a 4-day run; benches/overhead.py).
RUN_BATCH_EVENTS = 16_384

#: Near the run's end the batches shrink, so that what is left to commit
#: when the last tick has run is small: a tick flushes the buffer once it
#: holds this many times the events still to come (estimated from the run's
#: mean per tick so far, so batches stay the same for the same run). A full
#: batch handed over at the last tick left 40-60 ms to wait (benches/overhead.py).
TAPER = 4


def _seed(config: Mapping[str, Any]) -> int:
    seed = config.get("rng_seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"config rng_seed must be an int, found {seed!r}")
    if not 0 <= seed <= I64_MAX:
        # The simulator takes any u64; simcash-db stores seeds as BIGINT and
        # says so before anything is written, rather than store another number.
        raise ValueError(
            f"config rng_seed {seed} is beyond what simcash-db stores (0 .. 2**63-1); "
            "choose a seed in that range to record this run"
        )
    return seed


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
    each agent's state per tick and its queues per tick and at each day's
    end, from what the simulator exposes beyond SimCash's interface:
    ``get_tick_agent_states(tick)`` and ``get_tick_queue_snapshots(tick)``
    (asked right after the tick runs: queues are live state).
    ``quick_switching`` lowers the interpreter's GIL switch interval to
    1 ms while the run is recorded (put back after): DuckDB's client takes
    the GIL between the tasks of each statement, and behind a simulator
    computing in Python each hand-over would wait 5 ms (see
    ``simcash_db.writers.switching``).
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
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be the run's config dict, not {type(config).__name__}")
        self.config = dict(config)
        self.simulation_id = check_id("simulation_id", simulation_id)
        self.ticks_per_day = _positive_int(self.config, "ticks_per_day")
        self.num_days = _positive_int(self.config, "num_days")
        self.total_ticks = self.ticks_per_day * self.num_days
        self.checkpoint_each_day = checkpoint_each_day
        self.store_events = store_events
        self.store_rows = store_rows
        # Full detail, from what the simulator exposes: SimCash's interface
        # has no per-tick agent state or queue contents; a simulator with
        # these methods gets them stored.
        self._tick_states = getattr(orchestrator, "get_tick_agent_states", None)
        self._tick_queues = getattr(orchestrator, "get_tick_queue_snapshots", None)
        self.store_tick_states = (
            store_tick_states
            and store_rows
            and (self._tick_states is not None or self._tick_queues is not None)
        )
        self._day_queues: list[Any] = []
        # The last day's rows wait for the end, to commit with the transactions.
        self._last_day_rows: dict[str, list[Any]] | None = None
        self._events_seen = 0
        self._clock = clock
        self._quick_switching = quick_switching
        self._switching = False
        self.snapshots = SnapshotRepository(db)
        self._seed = _seed(self.config)  # refused before anything is written
        self._run_fields = run_fields
        self._writer: EventWriter | None = None
        self._open = False
        self._row_writer = ThreadPoolExecutor(1, thread_name_prefix="simcash-day-rows")
        self._row_writes: Future[object] | None = None
        self._started = 0.0
        self._ticks_run = 0
        self._day_costs = 0
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
        fields = {
            "config_name": "config",
            "description": None,
            **self._run_fields,
        }
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
        self._writer = (
            self.db.event_writer(
                self.simulation_id,
                batch_size=RUN_BATCH_EVENTS,
                encode_overlap=False,
                quick_switching=False,  # the recorder's own, for the whole run
            )
            if self.store_events
            else None
        )
        self._open = True
        policies = {
            str(entry["agent_id"]): entry.get("policy_config")
            for entry in self.orchestrator.get_agent_policies()
        }
        tick = self.orchestrator.current_tick()
        # Stored on the row-writing thread while the first ticks run.
        self._row_writes = self._row_writer.submit(
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
        if self._last_day_rows is not None:  # the caller goes on past the configured days
            self._submit_rows(self._last_day_rows)
            self._last_day_rows = None
        result = self.orchestrator.tick()
        tick = int(result["tick"])
        if self._writer is not None:
            events = self.orchestrator.get_tick_events(tick)
            self._writer.extend(events)
            self._events_seen += len(events)
            left = self.total_ticks - tick - 1
            if left > 0 and self._writer.buffered > TAPER * left * self._events_seen / (tick + 1):
                self._writer.flush()
        if self.store_tick_states and self._tick_queues is not None:
            self._day_queues.append(self._tick_queues(tick))
        self._ticks_run = tick + 1
        if self._ticks_run % self.ticks_per_day == 0:
            self._end_of_day(tick // self.ticks_per_day)
        return result

    def policy_updated(self, agent_id: str, policy: Any) -> None:
        """Note a policy the caller gave ``agent_id`` (in force from the next tick)."""
        self._wait_for_rows()  # the snapshots before it are stored: this one compares with them
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

    def _end_of_day(self, day: int) -> None:
        metrics = list(self.orchestrator.get_daily_agent_metrics(day))
        self._day_costs += sum(int(row.get("total_cost", 0)) for row in metrics)
        if not self.store_rows:
            return
        tables: dict[str, list[Any]] = {
            "daily_agent_metrics": metrics,
            "collateral_events": list(self.orchestrator.get_collateral_events_for_day(day)),
            "lsm_cycles": list(self.orchestrator.get_lsm_cycles_for_day(day)),
        }
        if self.store_tick_states and self._tick_states is not None:
            first = day * self.ticks_per_day
            tables["tick_agent_states"] = [
                row
                for tick in range(first, first + self.ticks_per_day)
                for row in self._tick_states(tick)
            ]
        if self._day_queues:
            tables["tick_queue_snapshots"] = [row for rows in self._day_queues for row in rows]
            # What was still queued when the day ended: its last tick's queues.
            tables["agent_queue_snapshots"] = [
                {"agent_id": row["agent_id"], "day": day, "queue_type": row["queue_type"],
                 "position": row["position"], "transaction_id": row["tx_id"]}
                for row in self._day_queues[-1]
            ]  # fmt: skip
            self._day_queues = []
        if self._ticks_run >= self.total_ticks:
            self._last_day_rows = tables  # one commit with the transactions, in finish
        else:
            self._submit_rows(tables)
        if self.checkpoint_each_day:
            self.checkpoint(CheckpointType.END_OF_DAY, f"end of day {day}")

    def _submit_rows(self, tables: Mapping[str, list[Any]]) -> None:
        self._submit_write(
            self.db.write_tables, tables, simulation_id=self.simulation_id, replace=True
        )

    def _submit_write(self, write: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        # One transaction for the day's rows, committed on a thread of its
        # own while the next day runs (a commit costs milliseconds: at the
        # real simulator's fastest, 4% of a run when done in line). Days
        # commit in order; a failure surfaces at the next day or at the end.
        self._wait_for_rows()
        self._row_writes = self._row_writer.submit(write, *args, **kwargs)

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
            # The rows first: their thread starts on them while this one
            # flushes the last events (which may wait for the batch before).
            if self.store_rows:
                last, self._last_day_rows = self._last_day_rows or {}, None
                # Encoded here, where the rows were just built (they are in
                # this core's cache): 10 ms less at the end of a 4-day run
                # than on the rows' thread (benches/overhead.py).
                final = {**last, "transactions": rows}
                try:
                    encoded = self.db.encode_tables(
                        final, simulation_id=self.simulation_id, replace=True
                    )
                except Exception:
                    if self._writer is not None:
                        self._writer.close()  # bad rows fail the run, its events stay
                    raise
                self._submit_write(self.db.write_encoded, encoded)
            if self._writer is not None:
                self._writer.close()
            self._wait_for_rows()
        finally:
            self._row_writer.shutdown()
            self._restore_switching()
        completed = {
            "status": SimulationStatus.COMPLETED,
            **self._ended(),
            "total_transactions": transactions,
            "total_settlements": int(system.get("total_settlements", 0)),
            "total_cost": self._day_costs,
        }
        self.run = self.run.model_copy(update=completed)
        self.db.update_simulation_run(self.run, completed)  # one statement: the run's last
        return self.run

    def fail(self) -> None:
        """Mark the run failed; what was committed stays. Called while an
        exception propagates: a failure here (say, on a connection DuckDB
        gave up after Ctrl-C) is logged, and the original goes on."""
        try:
            if self._writer is not None:
                self._writer.abort()
            self._open = False
            with contextlib.suppress(Exception):  # the failure being raised is the one to report
                if self._last_day_rows is not None:  # the last day ended: its rows stay
                    self._submit_rows(self._last_day_rows)
                    self._last_day_rows = None
                self._wait_for_rows()
            self._row_writer.shutdown()
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

    def _wait_for_rows(self) -> None:
        pending, self._row_writes = self._row_writes, None
        if pending is not None:
            pending.result()

    def _now(self) -> datetime:
        return self._clock() if self._clock is not None else utc_now()

    def _ended(self) -> dict[str, Any]:
        end = self._now()
        if self._clock is not None and self.run is not None:
            duration = (end - self.run.start_time).total_seconds()
        else:
            duration = time.perf_counter() - self._started
        return {"end_time": end, "duration_seconds": duration}


def record_run(
    db: DatabaseManager,
    orchestrator: Orchestrator,
    config: Mapping[str, Any],
    *,
    simulation_id: str,
    **run_fields: Any,
) -> SimulationRunRecord:
    """Drive a whole run of ``orchestrator`` (built from ``config``) and record
    it; returns the stored run row. See ``RunRecorder`` for the fields."""
    with RunRecorder(db, orchestrator, config, simulation_id=simulation_id, **run_fields) as rec:
        for _ in range(rec.total_ticks):
            rec.tick()
    assert rec.run is not None
    return rec.run


def _positive_int(config: Mapping[str, Any], key: str) -> int:
    """``config[key]``, an int of at least 1, or a ValueError naming the key."""
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        found = "nothing" if key not in config else repr(value)
        raise ValueError(f"config[{key!r}] must be an int of at least 1; found {found}")
    return value
