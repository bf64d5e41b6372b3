"""INV-1 where it means something: the catalog's money fields hold int cents;
elsewhere a money-sounding name refuses only a float or a bool."""

from __future__ import annotations

from typing import Any

import pytest

from factories import make_run
from simcash_db import DatabaseManager, EncodeError
from simcash_db._native import CATALOG_MONEY_KEYS
from simcash_db.workload import COST_KEYS, EVENT_CATALOG
from strategies import MONEY_WORDS, typed


@pytest.fixture
def run_db(db: DatabaseManager) -> DatabaseManager:
    db.save_simulation_run(make_run("s"))
    return db


def test_the_strict_keys_are_the_catalogs_money_fields() -> None:
    from_catalog = {
        key
        for fields in EVENT_CATALOG.values()
        for key, code in fields.items()
        if code.rstrip("?") in ("i", "[i]", "{costs}") and any(w in key for w in MONEY_WORDS)
    }
    assert set(CATALOG_MONEY_KEYS) == from_catalog | set(COST_KEYS)


@pytest.mark.parametrize(
    "fields",
    [
        {"limit_type": "bilateral"},
        {"value_date": "2026-01-01"},
        {"cost_model": "linear"},
        {"penalty_reason": "late"},
        {"balance_sheet": {"assets": "n/a"}, "total_note": None},
        {"limits": ["a", "b"], "my_amount": 12},
    ],
)
def test_names_that_merely_sound_like_money_store_what_they_hold(
    run_db: DatabaseManager, fields: dict[str, Any]
) -> None:
    event = {"event_type": "Arrival", "tick": 0, "amount": 100, **fields}
    other = {"event_type": "SomethingNew", "tick": 1, **fields}
    run_db.write_events("s", [event, other])
    assert typed(run_db.get_events("s")) == typed([event, other])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"limit_type": 1.5}, "limit_type"),
        ({"cost_model": True}, "cost_model"),
        ({"my_amounts": [1, 2.5]}, "my_amounts[1]"),
    ],
)
def test_a_float_or_bool_under_a_money_sounding_name_is_refused(
    run_db: DatabaseManager, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(EncodeError) as refused:
        run_db.write_events("s", [{"event_type": "SomethingNew", "tick": 0, **fields}])
    assert refused.value.field == field
    assert run_db.table_counts()["simulation_events"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "12.50"}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"tx_amounts": [1, "2"]}, "tx_amounts[1]"),
        ({"costs": {"delay_cost": "3"}}, "costs.delay_cost"),
    ],
)
def test_the_catalogs_money_fields_hold_int_cents_only(
    run_db: DatabaseManager, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(EncodeError) as refused:
        run_db.write_events("s", [{"event_type": "Arrival", "tick": 0, **fields}])
    assert refused.value.field == field
