"""Payments as the events name them: a payment's story, and what settled it.

An event names a payment in one of several fields (../shared/events.md):
``tx_id`` (most events), the id lists of the LSM's settlements (``tx_ids``)
and of a split (``child_ids``), the two sides of an entry-disposition
offset, and the payments whose credits a deferred credit applies. A query
that looked at ``tx_id`` alone would miss every payment the LSM settled.
"""

from __future__ import annotations

import duckdb

from simcash_db.analysis.source import EVENTS, TRANSACTIONS, Source, sql

#: Each field of an event that names payments, with its JSON path in ``details``.
PAYMENT_FIELDS: dict[str, str] = {
    "tx_id": "$.tx_id",
    "tx_ids": "$.tx_ids[*]",
    "child_ids": "$.child_ids[*]",  # the parts a payment was split into
    "incoming_tx_id": "$.incoming_tx_id",
    "queued_tx_id": "$.queued_tx_id",
    "source_transactions": "$.source_transactions[*]",  # whose credits it applies
}

#: The event types that name payments in a field other than ``tx_id``, as the
#: event catalog (../shared/events.md) has them: only their details are
#: searched for a payment's id (the others' ``tx_id`` column says it).
NAMING_ELSEWHERE: dict[str, tuple[str, ...]] = {
    "LsmBilateralOffset": ("tx_ids",),
    "LsmCycleSettlement": ("tx_ids",),
    "PolicySplit": ("child_ids",),
    "EntryDispositionOffset": ("incoming_tx_id", "queued_tx_id"),
    "DeferredCreditApplied": ("source_transactions",),
}

#: The events that settle a payment, and the fields that name the payments they settle.
SETTLING_FIELDS: dict[str, tuple[str, ...]] = {
    "RtgsImmediateSettlement": ("tx_id",),
    "Queue2LiquidityRelease": ("tx_id",),
    "RtgsQueue2Settle": ("tx_id",),  # older simulators
    "OverdueTransactionSettled": ("tx_id",),
    "LsmBilateralOffset": ("tx_ids",),
    "LsmCycleSettlement": ("tx_ids",),
    "EntryDispositionOffset": ("incoming_tx_id", "queued_tx_id"),
}


def _named_ids(field: str, events: str = "e") -> str:
    """SQL for the list of payment ids that ``field`` of an event names."""
    if field == "tx_id":
        return f"CASE WHEN {events}.tx_id IS NULL THEN [] ELSE [{events}.tx_id] END"
    path = PAYMENT_FIELDS[field]
    if path.endswith("[*]"):
        return f"coalesce(json_extract_string({events}.details, '{path}'), [])"
    value = f"json_extract_string({events}.details, '{path}')"
    return f"CASE WHEN {value} IS NULL THEN [] ELSE [{value}] END"


def _field_lists(fields: tuple[str, ...], events: str = "e") -> str:
    """SQL for a list of (field, ids) structs, one per field."""
    items = ", ".join(
        f"{{'field': '{field}', 'ids': {_named_ids(field, events)}}}" for field in fields
    )
    return f"[{items}]"


def settling_ids_sql(types: tuple[str, ...], events: str = "e") -> str:
    """SQL for the list of payment ids an event of one of the settling ``types``
    settles (``SETTLING_FIELDS``)."""
    arms = " ".join(
        f"WHEN '{t}' THEN {' || '.join(_named_ids(f, events) for f in SETTLING_FIELDS[t])}"
        for t in types
    )
    return f"CASE {events}.event_type {arms} END"


def settlements_sql() -> str:
    """SQL (named parameter ``$run``) for each payment the run's events settle,
    with the tick of its first settlement: ``(tx_id, settlement_tick)``."""
    types = ", ".join(f"'{t}'" for t in SETTLING_FIELDS)
    return f"""
        SELECT tx_id, min(tick) AS settlement_tick FROM (
            SELECT e.tick, unnest({settling_ids_sql(tuple(SETTLING_FIELDS))}) AS tx_id
            FROM {EVENTS} e WHERE e.simulation_id = $run AND e.event_type IN ({types})
        ) GROUP BY tx_id
    """


def transaction_lifecycle(
    source: Source, simulation_id: str, tx_id: str
) -> duckdb.DuckDBPyRelation:
    """Every event that names one payment, in event order: the events whose
    ``tx_id`` is the payment, those that name it in a list or a field of
    their own (an LSM settlement's ``tx_ids``, a split's ``child_ids``, an
    entry-disposition offset's ``incoming_tx_id`` / ``queued_tx_id``, a
    deferred credit's ``source_transactions``: see ``PAYMENT_FIELDS``), and
    the same for the parts it was split into (and their parts). Each row
    says which payment it names (``tx_id``: the payment or one of its
    parts) and in which field (``named_in``), with that payment's row
    (status, amounts, settlement).

    Examples:
        >>> lifecycle = transaction_lifecycle(demo_db, "exp-iter0-evaluation", "tx0000001")
        >>> lifecycle.select("event_type, named_in, status").limit(2).fetchall()
        [('Arrival', 'tx_id', 'settled'), ('PolicySubmit', 'tx_id', 'settled')]
    """
    fields = tuple(PAYMENT_FIELDS)
    elsewhere = ", ".join(f"'{t}'" for t in NAMING_ELSEWHERE)
    return sql(
        source,
        f"""
        WITH RECURSIVE naming AS MATERIALIZED (
            -- The events naming payments in their details: read once (reading
            -- a run's details at all costs a pass over all of them).
            SELECT event_seq, tick, event_type, tx_id, details FROM {EVENTS}
            WHERE simulation_id = $run AND event_type IN ({elsewhere})
        ), family(tx_id) AS (
            SELECT CAST($asked AS VARCHAR)
            UNION
            SELECT unnest({_named_ids("child_ids")})
            FROM naming e JOIN family f ON e.tx_id = f.tx_id
            WHERE e.event_type = 'PolicySplit'
        ), candidates AS (
            -- The events whose tx_id is of the family, and those naming ones
            -- whose text holds an id of it; the exact fields are checked
            -- below (an id may be part of another).
            SELECT event_seq, tick, event_type, tx_id, details FROM {EVENTS}
            WHERE simulation_id = $run AND tx_id IN (SELECT tx_id FROM family)
              AND event_type NOT IN ({elsewhere})
            UNION ALL
            SELECT * FROM naming n
            WHERE n.tx_id IN (SELECT tx_id FROM family)
               OR EXISTS (SELECT 1 FROM family f
                          WHERE contains(CAST(n.details AS VARCHAR), f.tx_id))
        ), named AS (
            SELECT c.event_seq, c.tick, c.event_type, c.details,
                   unnest({_field_lists(fields, "c")}, recursive := true)
            FROM candidates c
        ), hits AS (
            SELECT event_seq, any_value(tick) AS tick, any_value(event_type) AS event_type,
                   any_value(details) AS details,
                   arg_min(i.tx_id, (i.tx_id <> $asked)::INT) AS tx_id,
                   string_agg(DISTINCT field, ', ' ORDER BY field) AS named_in
            FROM (SELECT n.*, unnest(n.ids) AS named_id FROM named n) m
            JOIN family i ON i.tx_id = m.named_id
            GROUP BY event_seq
        )
        SELECT h.event_seq, h.tick, h.event_type, h.tx_id, h.named_in, h.details, t.status,
               t.amount, t.amount_settled, t.arrival_tick, t.settlement_tick, t.deadline_tick
        FROM hits h
        LEFT JOIN {TRANSACTIONS} t ON t.simulation_id = $run AND t.tx_id = h.tx_id
        ORDER BY h.event_seq
        """,
        {"asked": tx_id, "run": simulation_id},
    )


def payments_sql(stored: bool) -> str:
    """SQL (named parameter ``$run``) for the run's payments: ``tx_id,
    status, amount, amount_settled, arrival_tick, arrival_day,
    settlement_tick``. From the run's transaction rows when it has them
    (``stored``: the simulator's own account); otherwise from its events:
    each ``Arrival`` is a payment, settled at the first event that settles it
    (``SETTLING_FIELDS``: the LSM's included), else dropped after a
    ``PolicyDrop``, overdue after a ``TransactionWentOverdue``, or pending."""
    if stored:
        return f"""
            SELECT tx_id, status, amount, amount_settled, arrival_tick, arrival_day,
                   settlement_tick
            FROM {TRANSACTIONS} WHERE simulation_id = $run
        """
    drops = "SELECT DISTINCT tx_id FROM {EVENTS} WHERE simulation_id = $run AND event_type = '{t}'"
    return f"""
        SELECT a.tx_id,
               CASE WHEN s.settlement_tick IS NOT NULL THEN 'settled'
                    WHEN a.tx_id IN ({drops.format(EVENTS=EVENTS, t="PolicyDrop")}) THEN 'dropped'
                    WHEN a.tx_id IN ({drops.format(EVENTS=EVENTS, t="TransactionWentOverdue")})
                        THEN 'overdue'
                    ELSE 'pending' END AS status,
               a.amount, CASE WHEN s.settlement_tick IS NULL THEN 0 ELSE a.amount END
                   AS amount_settled,
               a.tick AS arrival_tick, a.day AS arrival_day, s.settlement_tick
        FROM (SELECT tx_id, tick, day, CAST(json_extract(details, '$.amount') AS BIGINT) AS amount
              FROM {EVENTS} WHERE simulation_id = $run AND event_type = 'Arrival') a
        LEFT JOIN ({settlements_sql()}) s USING (tx_id)
    """
