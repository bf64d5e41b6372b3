"""What simcash-db calls on a simulator: the methods of SimCash's
``Orchestrator`` that persistence needs (../shared/simulator.md), typed.
Any object with these methods can be recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

Row = Mapping[str, Any]


@runtime_checkable
class Orchestrator(Protocol):
    def tick(self) -> Mapping[str, Any]:
        """Run one tick; ``{"tick": the tick just run, "num_settlements": ..., ...}``."""

    def current_tick(self) -> int:
        """The next tick to run."""

    def get_tick_events(self, tick: int) -> Sequence[Row]:
        """The events logged under ``tick``, in emission order (calls made
        between ticks log under the next tick)."""

    def get_agent_ids(self) -> Sequence[str]: ...

    def get_agent_policies(self) -> Sequence[Row]:
        """``[{"agent_id": ..., "policy_config": {...}}, ...]``."""

    def get_daily_agent_metrics(self, day: int) -> Sequence[Row]:
        """A finished day's metrics, one row per agent (``[]`` until it ends)."""

    def get_collateral_events_for_day(self, day: int) -> Sequence[Row]: ...

    def get_lsm_cycles_for_day(self, day: int) -> Sequence[Row]:
        """A day's LSM settlements; these rows carry no ``simulation_id``."""

    def get_transactions_for_day(self, day: int) -> Sequence[Row]:
        """Every transaction that arrived on ``day``, as of now (a live view:
        final only at the end of the run)."""

    def get_system_metrics(self) -> Mapping[str, Any]: ...

    def save_state(self) -> str:
        """The orchestrator's state as JSON text (a checkpoint)."""
