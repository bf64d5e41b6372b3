"""A stand-in for SimCash's ``Orchestrator`` that behaves as ../shared/simulator.md
measured the real one, replaying its real output (tests/fixtures): the same
return shapes, an internal ``sim-<rng state>`` run id that changes every tick
(and is missing from LSM rows), per-day rows that appear when the day ends,
and a live view of the transactions that is final only at the end."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from simcash_db.workload.orchestrator import pyo3_objects

FIXTURES = Path(__file__).with_name("fixtures")


def fixture_events(scenario: str) -> list[dict[str, Any]]:
    events = []
    with (FIXTURES / "simulator_events.jsonl").open() as lines:
        for line in lines:
            record = json.loads(line)
            if record["scenario"] == scenario:
                events.append(record["event"])
    return events


def fixture_rows() -> dict[str, Any]:
    rows: dict[str, Any] = json.loads((FIXTURES / "simulator_rows.json").read_text())
    return rows


class FakeOrchestrator:
    """Replays the lsm_t2 scenario (whose rows the fixtures hold)."""

    def __init__(self, config: dict[str, Any] | None = None, *, fail_at_tick: int | None = None):
        rows = fixture_rows()
        self.config = config or rows["config"]
        self.ticks_per_day = self.config["ticks_per_day"]
        self.num_days = self.config["num_days"]
        self.events = fixture_events("lsm_t2")
        self.by_tick: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for event in self.events:
            self.by_tick[event["tick"]].append(event)
        self.rows = rows
        self.fail_at_tick = fail_at_tick
        self.next_tick = 0
        self.policies = {a["id"]: a["policy"] for a in self.config["agent_configs"]}

    def _internal_id(self) -> str:
        # The simulator's own id: its RNG state, moving with every tick.
        return f"sim-{(self.config['rng_seed'] * 6364136223846793005 + self.next_tick) % 2**64}"

    def _restamped(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "simulation_id": self._internal_id()} for row in rows]

    def tick(self) -> dict[str, Any]:
        tick = self.next_tick
        if tick == self.fail_at_tick:
            raise RuntimeError(f"the simulator failed at tick {tick}")
        self.next_tick += 1
        return {"tick": tick, "num_arrivals": 0, "num_settlements": 0, "num_lsm_releases": 0,
                "total_cost": 0, "timing": {"total_micros": 1}}  # fmt: skip

    def current_tick(self) -> int:
        return self.next_tick

    def current_day(self) -> int:
        return self.next_tick // self.ticks_per_day

    def get_tick_events(self, tick: int) -> list[dict[str, Any]]:
        # New dicts of new strs at every call, as PyO3 builds them.
        return pyo3_objects(self.by_tick[tick]) if tick < self.next_tick else []

    def get_agent_ids(self) -> list[str]:
        return sorted(self.policies)

    def get_agent_policies(self) -> list[dict[str, Any]]:
        return [{"agent_id": a, "policy_config": p} for a, p in self.policies.items()]

    def update_agent_policy(self, agent_id: str, policy_json: str) -> None:
        self.policies[agent_id] = {"type": "FromJson", "json": policy_json}

    def _day_over(self, day: int) -> bool:
        return self.next_tick >= (day + 1) * self.ticks_per_day

    def get_daily_agent_metrics(self, day: int) -> list[dict[str, Any]]:
        if not self._day_over(day):
            return []
        return self._restamped([r for r in self.rows["daily_agent_metrics"] if r["day"] == day])

    def get_collateral_events_for_day(self, day: int) -> list[dict[str, Any]]:
        rows = self.rows["collateral_events"]
        return self._restamped([r for r in rows if r["day"] == day and r["tick"] < self.next_tick])

    def get_lsm_cycles_for_day(self, day: int) -> list[dict[str, Any]]:
        # No simulation_id in these rows, as in the real simulator.
        return [
            r for r in self.rows["lsm_cycles"] if r["day"] == day and r["tick"] < self.next_tick
        ]

    def get_transactions_for_day(self, day: int) -> list[dict[str, Any]]:
        rows = [r for r in self.rows["transactions"] if r["arrival_day"] == day
                and r["arrival_tick"] < self.next_tick]  # fmt: skip
        if self.next_tick < self.ticks_per_day * self.num_days:
            # A live view: until the run ends, nothing is final yet.
            rows = [{**r, "status": "pending", "settlement_tick": None, "settlement_day": None,
                     "amount_settled": 0} for r in rows]  # fmt: skip
        return self._restamped(rows)

    def get_system_metrics(self) -> dict[str, Any]:
        settled = sum(r["status"] == "settled" for r in self.rows["transactions"])
        return {"total_arrivals": len(self.rows["transactions"]), "total_settlements": settled,
                "settlement_rate": 0.0, "avg_delay_ticks": 0.0, "max_delay_ticks": 0,
                "queue1_total_size": 0, "queue2_total_size": 0, "peak_overdraft": 0,
                "agents_in_overdraft": 0}  # fmt: skip

    def save_state(self) -> str:
        state = {
            "current_tick": self.next_tick,
            "current_day": self.current_day(),
            "rng_seed": 13903789293444600744,  # a u64 RNG state, beyond BIGINT
            "agents": sorted(self.policies),
            "transactions": [],
            "rtgs_queue": [],
            "config_hash": "0" * 64,
        }
        return json.dumps(state)
