"""The synthetic RTGS behind the simulator interface (``simcash_db.simulator``):
ticked one at a time, read back per tick and per day, and checkpointed with a
state that round-trips exactly, so a restored run goes on identically.

Examples:
    >>> config = {"ticks_per_day": 5, "num_days": 1, "rng_seed": 3, "banks": 3}
    >>> sim = SyntheticOrchestrator.new(config)
    >>> first = sim.tick()
    >>> state = sim.save_state()
    >>> again = SyntheticOrchestrator.load_state(config, state)
    >>> [sim.tick()["tick"], again.tick()["tick"]]
    [1, 1]
    >>> sim.get_tick_events(1) == again.get_tick_events(1)
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from simcash_db.workload.rtgs.costs import collateral_and_costs, end_of_day
from simcash_db.workload.rtgs.lsm import lsm
from simcash_db.workload.rtgs.payments import arrivals, process_queue, release_decisions
from simcash_db.workload.rtgs.state import Bank, Row, RtgsState

_STEPS = (arrivals, release_decisions, process_queue, lsm, collateral_and_costs)


def pyo3_objects(value: Any) -> Any:
    """``value`` rebuilt as a simulator written with PyO3 hands it over:
    every dict and list new, and a new str for every key and str value
    (SimCash's ``dict.set_item("tx_id", tx_id)`` makes one per call).
    Python's own literals are shared objects; benchmarks and tests use this
    to see what the real simulator's output costs.

    Examples:
        >>> event = {"event_type": "Arrival", "tick": 0}
        >>> copy = pyo3_objects(event)
        >>> copy == event, next(iter(copy)) is next(iter(event))
        (True, False)
    """
    if isinstance(value, str):
        return "".join((value, "."))[:-1]  # equal, and a new object (but for "")
    if isinstance(value, dict):
        return {pyo3_objects(k): pyo3_objects(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pyo3_objects(item) for item in value]
    return value


def _thresholds(config: Mapping[str, Any]) -> dict[str, float]:
    """Each bank's release threshold, from ``agent_configs`` policies of the
    form ``{"type": "Threshold", "threshold": x}`` (1.0 otherwise)."""
    out = {}
    for agent in config.get("agent_configs", ()):
        policy = agent.get("policy", {})
        if policy.get("type") == "Threshold":
            out[str(agent["id"])] = float(policy["threshold"])
    return out


class SyntheticOrchestrator:
    """``Orchestrator`` of the synthetic RTGS. ``config``: ``ticks_per_day``,
    ``num_days``, ``rng_seed``, and ``banks`` (a count) or ``agent_configs``."""

    def __init__(self, config: Mapping[str, Any], state: RtgsState, next_tick: int = 0) -> None:
        self.config = dict(config)
        self.ticks_per_day = int(config["ticks_per_day"])
        self.state = state
        self.next_tick = next_tick
        self._spans: dict[int, tuple[int, int]] = {}
        self._state_spans: dict[int, tuple[int, int]] = {}

    @classmethod
    def new(cls, config: Mapping[str, Any]) -> SyntheticOrchestrator:
        banks = len(config["agent_configs"]) if "agent_configs" in config else config["banks"]
        state = RtgsState(
            int(config["rng_seed"]), int(banks), int(config["ticks_per_day"]), _thresholds(config)
        )
        return cls(config, state)

    # -- advancing ------------------------------------------------------------

    def tick(self) -> dict[str, Any]:
        tick, out = self.next_tick, self.state.out
        first, settled = len(out.events), out.total_settlements
        states = out.tables["tick_agent_states"]
        first_state = len(states)
        arrived = self.state.next_tx
        for step in _STEPS:
            step(self.state, tick)
        if tick % self.ticks_per_day == self.ticks_per_day - 1:
            end_of_day(self.state, tick)
        self._spans[tick] = (first, len(out.events))
        self._state_spans[tick] = (first_state, len(states))
        self.next_tick += 1
        return {
            "tick": tick,
            "num_arrivals": self.state.next_tx - arrived,
            "num_settlements": out.total_settlements - settled,
        }

    def current_tick(self) -> int:
        return self.next_tick

    def current_day(self) -> int:
        return self.next_tick // self.ticks_per_day

    # -- reading --------------------------------------------------------------

    def get_tick_events(self, tick: int) -> list[Row]:
        first, end = self._spans.get(tick, (0, 0))
        return self.state.out.events[first:end]

    def get_tick_agent_states(self, tick: int) -> list[Row]:
        """Each bank's state after ``tick`` (balance, collateral, costs so far):
        what a recorder stores at full detail. Not part of SimCash's interface."""
        first, end = self._state_spans.get(tick, (0, 0))
        return self.state.out.tables["tick_agent_states"][first:end]

    def get_tick_queue_snapshots(self, tick: int) -> list[Row]:
        """The payments waiting after ``tick``, the tick just run: each bank's
        Queue 1 (held by the bank) and Queue 2 (its payments at the RTGS), in
        queue order. Queues are live state, so only the tick just run can be
        asked for. Not part of SimCash's interface."""
        if tick != self.next_tick - 1:
            raise ValueError(
                f"queues are known for the tick just run ({self.next_tick - 1}), not {tick}"
            )
        rows: list[Row] = []
        at_rtgs: dict[str, list[Row]] = {name: [] for name in self.state.banks}
        for tx in self.state.queue:
            at_rtgs[tx["sender_id"]].append(tx)
        for name in sorted(self.state.banks):
            for queue_type, queue in (
                ("queue1", self.state.pending[name]),
                ("queue2", at_rtgs[name]),
            ):
                rows += [
                    {"agent_id": name, "tick": tick, "queue_type": queue_type, "position": i,
                     "tx_id": tx["tx_id"]}
                    for i, tx in enumerate(queue)
                ]  # fmt: skip
        return rows

    def get_agent_ids(self) -> list[str]:
        return sorted(self.state.banks)

    def get_agent_policies(self) -> list[dict[str, Any]]:
        return [
            {"agent_id": name, "policy_config": {"type": "Threshold", "threshold": b.threshold}}
            for name, b in self.state.banks.items()
        ]

    def update_agent_policy(self, agent_id: str, threshold: float) -> None:
        """The synthetic policy is one number: the bank's release threshold."""
        self.state.banks[agent_id].threshold = threshold

    def _of_day(self, table: str, day: int) -> list[Row]:
        return [row for row in self.state.out.tables[table] if row["day"] == day]

    def get_daily_agent_metrics(self, day: int) -> list[Row]:
        return self._of_day("daily_agent_metrics", day)

    def get_collateral_events_for_day(self, day: int) -> list[Row]:
        return self._of_day("collateral_events", day)

    def get_lsm_cycles_for_day(self, day: int) -> list[Row]:
        return self._of_day("lsm_cycles", day)

    def get_transactions_for_day(self, day: int) -> list[Row]:
        return [tx for tx in self.state.out.transactions if tx["arrival_day"] == day]

    def get_system_metrics(self) -> dict[str, Any]:
        out = self.state.out
        return {"total_arrivals": len(out.transactions), "total_settlements": out.total_settlements}

    # -- checkpoints ----------------------------------------------------------

    def save_state(self) -> str:
        """Everything the next ticks depend on, as JSON text."""
        s = self.state
        version, internal, gauss = s.rng.getstate()
        return json.dumps(
            {
                "current_tick": self.next_tick,
                "current_day": self.current_day(),
                "rng_state": [version, list(internal), gauss],
                "agents": [asdict(bank) for bank in s.banks.values()],
                "transactions": s.out.transactions,
                "pending": {name: [tx["tx_id"] for tx in held] for name, held in s.pending.items()},
                "rtgs_queue": [tx["tx_id"] for tx in s.queue],
                "next_tx": s.next_tx,
                "total_settlements": s.out.total_settlements,
            }
        )

    @classmethod
    def load_state(cls, config: Mapping[str, Any], state_json: str) -> SyntheticOrchestrator:
        saved = json.loads(state_json)
        restored = cls.new(config)
        s = restored.state
        version, internal, gauss = saved["rng_state"]
        s.rng.setstate((version, tuple(internal), gauss))
        s.banks = {b["name"]: Bank(**b) for b in saved["agents"]}
        s.out.transactions = saved["transactions"]
        by_id = {tx["tx_id"]: tx for tx in s.out.transactions}
        s.pending = {name: [by_id[i] for i in held] for name, held in saved["pending"].items()}
        s.queue = [by_id[i] for i in saved["rtgs_queue"]]
        s.next_tx = saved["next_tx"]
        s.out.total_settlements = saved["total_settlements"]
        restored.next_tick = saved["current_tick"]
        return restored
