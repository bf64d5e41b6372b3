"""A recorded run's rows beside its events: read from the simulator when each
day ends, committed with the run's next batch of events (or, when its events
are not stored, on a thread of their own while the next day runs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from simcash_db.database import DatabaseManager
from simcash_db.simulator.protocol import Orchestrator
from simcash_db.writers.stream import EventWriter

Tables = dict[str, list[Any]]


class DayRows:
    """Each day's rows of one run (metrics, collateral, LSM cycles, and with
    ``tick_states`` each tick's agent states and queues where the simulator
    exposes them), and the thread that commits them in order."""

    def __init__(
        self,
        db: DatabaseManager,
        orchestrator: Orchestrator,
        simulation_id: str,
        ticks_per_day: int,
        *,
        store: bool,
        tick_states: bool,
    ) -> None:
        self.db = db
        self.orchestrator = orchestrator
        self.simulation_id = simulation_id
        self.ticks_per_day = ticks_per_day
        self.store = store
        # Full detail, from what the simulator exposes: SimCash's interface
        # has no per-tick agent state or queue contents; a simulator with
        # these methods gets them stored.
        self._tick_states = getattr(orchestrator, "get_tick_agent_states", None)
        self._tick_queues = getattr(orchestrator, "get_tick_queue_snapshots", None)
        self.tick_states = (
            tick_states
            and store
            and (self._tick_states is not None or self._tick_queues is not None)
        )
        self._day_queues: list[Any] = []
        #: The last day's rows, kept to commit with the transactions.
        self.held: Tables | None = None
        #: The run's cost so far: the sum of its daily metrics.
        self.cost = 0
        #: The run's event writer, if its events are stored: the rows commit
        #: with its batches (``EventWriter.add_rows``), not on their own.
        self.ride_with: EventWriter | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="simcash-day-rows")
        self._pending: Future[object] | None = None

    def tick_ran(self, tick: int) -> None:
        """Note what is live only right after ``tick`` ran: its queues."""
        if self.tick_states and self._tick_queues is not None:
            self._day_queues.append(self._tick_queues(tick))

    def day_ended(self, day: int, *, hold: bool) -> None:
        """Read the day's rows and commit them (or, with ``hold``, keep them)."""
        metrics = list(self.orchestrator.get_daily_agent_metrics(day))
        self.cost += sum(int(row.get("total_cost", 0)) for row in metrics)
        if not self.store:
            return
        tables: Tables = {
            "daily_agent_metrics": metrics,
            "collateral_events": list(self.orchestrator.get_collateral_events_for_day(day)),
            "lsm_cycles": list(self.orchestrator.get_lsm_cycles_for_day(day)),
        }
        if self.tick_states and self._tick_states is not None:
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
        if hold:
            self.held = tables
        else:
            self.submit_tables(tables)

    def release_held(self) -> None:
        """Commit the held rows on their own (the run goes on, or failed)."""
        held, self.held = self.held, None
        if held is not None:
            self.submit_tables(held)

    def submit_tables(self, tables: Mapping[str, list[Any]]) -> None:
        if self.ride_with is not None:
            # Encoded here (a bad row fails the run at the day it came from),
            # committed with the run's next batch of events: no commit of
            # their own, and no second thread taking the GIL from the
            # simulator (benches/overhead_real.py).
            encoded = self.db.encode_tables(tables, simulation_id=self.simulation_id, replace=True)
            self.ride_with.add_rows(encoded)
            return
        self.submit(self.db.write_tables, tables, simulation_id=self.simulation_id, replace=True)

    def submit(self, write: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        # One transaction for the day's rows, committed on a thread of its
        # own while the next day runs (a commit costs milliseconds: at the
        # real simulator's fastest, 4% of a run when done in line). Days
        # commit in order; a failure surfaces at the next day or at the end.
        self.wait()
        self._pending = self._thread.submit(write, *args, **kwargs)

    def wait(self) -> None:
        """Wait for the rows handed over; raise what their commit raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def shutdown(self) -> None:
        self._thread.shutdown()
