"""Hypothesis strategies for simulator events: the catalog, plus what a newer simulator adds."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from simcash_db.models import I64_MAX, I64_MIN
from simcash_db.workload import COST_KEYS, EVENT_CATALOG

MONEY_WORDS = ("amount", "cost", "value", "balance", "total", "limit", "outflow", "penalt")
RESERVED = {"event_type", "tick", "agent_id", "sender_id", "sender", "agent_a", "tx_id"}

i64 = st.integers(I64_MIN, I64_MAX)
# Any str a simulator could hold, bar lone surrogates (not UTF-8; refused, see the error tests).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
floats = st.floats(allow_nan=False, allow_infinity=False)


def _plain_key(key: str) -> bool:
    # Money-named keys, at any depth, must hold int cents; the catalog draws those.
    return key not in RESERVED and not any(word in key for word in MONEY_WORDS)


plain_key = text.filter(_plain_key)
json_scalar = st.none() | st.booleans() | i64 | floats | text
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plain_key, inner, max_size=4),
    max_leaves=12,
)


extra_keys = st.dictionaries(plain_key, json_value, max_size=3)

_BY_CODE: dict[str, st.SearchStrategy[Any]] = {
    "s": text,
    "i": i64,
    "f": floats,
    "b": st.booleans(),
    "[s]": st.lists(text, max_size=5),
    "[i]": st.lists(i64, max_size=5),
    "{costs}": st.fixed_dictionaries({k: i64 for k in COST_KEYS}),
}


def _value(code: str) -> st.SearchStrategy[Any]:
    if code.endswith("?"):
        return st.none() | _BY_CODE[code[:-1]]
    return _BY_CODE[code]


@st.composite
def catalog_event(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.sampled_from(sorted(EVENT_CATALOG)))
    event: dict[str, Any] = {"event_type": event_type, "tick": draw(st.integers(0, 10_000))}
    for key, code in EVENT_CATALOG[event_type].items():
        event[key] = draw(_value(code))
    event.update(draw(extra_keys))
    return event


@st.composite
def unknown_event(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(text.filter(lambda t: t not in EVENT_CATALOG))
    event: dict[str, Any] = {"event_type": event_type, "tick": draw(st.integers(0, I64_MAX))}
    if draw(st.booleans()):
        event["agent_id"] = draw(st.none() | text)
    if draw(st.booleans()):
        event["tx_id"] = draw(text)
    if draw(st.booleans()):
        event["amount"] = draw(i64)
    event.update(draw(extra_keys))
    return event


any_event = catalog_event() | unknown_event()


def typed(value: Any) -> Any:
    """``value`` with every leaf tagged by its type: 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return [(k, typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)
