"""A deterministic stream of catalog events with realistic mix and values.

Each tick, banks receive arrivals that are submitted, settled, queued or
offset; policies and collateral act now and then; costs accrue per bank and
every day ends with an ``EndOfDay``. Every event type of the catalog appears.
This is a stream for benchmarks and tests, not a payment simulation: its
events need not agree with one another (``simcash_db.workload.simulation``
generates runs that do).
"""

from __future__ import annotations

from collections.abc import Iterator

from simcash_db.workload.event_fields import Event, FieldSource, bank_fields, payment_fields

# Events a tick produces per arrival (roughly what an RTGS run emits).
_PER_ARRIVAL = (
    "PolicySubmit",
    "RtgsSubmission",
    "RtgsImmediateSettlement",
    "CostAccrual",
    "StateRegisterSet",
)
_OCCASIONAL = (
    "PolicyHold",
    "PolicyDrop",
    "PolicySplit",
    "TransactionReprioritized",
    "PriorityEscalated",
    "CollateralPost",
    "CollateralWithdraw",
    "CollateralTimerWithdrawn",
    "CollateralTimerBlocked",
    "BankBudgetSet",
    "Queue2LiquidityRelease",
    "BilateralLimitExceeded",
    "MultilateralLimitExceeded",
    "AlgorithmExecution",
    "EntryDispositionOffset",
    "QueuedRtgs",
    "RtgsWithdrawal",
    "RtgsResubmission",
    "LsmBilateralOffset",
    "LsmCycleSettlement",
    "TransactionWentOverdue",
    "OverdueTransactionSettled",
    "RtgsQueue2Settle",
    "ScenarioEventExecuted",
    "DeferredCreditApplied",
    "LiquidityReturn",
    "LiquidityAllocation",
)


class _Stream(FieldSource):
    def event(self, kind: str, tick: int, day: int) -> Event:
        tx, (a, b), amount = f"tx_{self.next_tx:09d}", self.pair(), self.amount()
        fields = payment_fields(self, kind, tick, day, tx, a, b, amount)
        if fields is None:
            fields = bank_fields(self, kind, tick, day, tx, a, b, amount)
        if fields is None:
            raise ValueError(f"unknown event type {kind!r}")
        return {"event_type": kind, "tick": tick, **fields}


def catalog_events(
    seed: int, count: int, *, banks: int = 25, ticks_per_day: int = 100
) -> Iterator[Event]:
    """``count`` events of every catalog type, from ``seed``; same seed, same events."""
    stream = _Stream(seed, banks)
    emitted, tick = 0, 0
    while True:
        day = tick // ticks_per_day
        batch = []
        if tick % ticks_per_day == 0:
            batch.append(stream.event("LiquidityAllocation", tick, day))
        for _ in range(stream.rng.randrange(2, 6)):
            batch.append(stream.event("Arrival", tick, day))
            batch.extend(stream.event(kind, tick, day) for kind in _PER_ARRIVAL)
        batch.extend(stream.event(kind, tick, day) for kind in stream.rng.sample(_OCCASIONAL, 2))
        if tick % ticks_per_day == ticks_per_day - 1:
            batch.append(stream.event("EndOfDay", tick, day))
        for event in batch:
            if emitted == count:
                return
            yield event
            emitted += 1
        tick += 1
