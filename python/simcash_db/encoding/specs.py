"""Column specs for the native row encoder, derived from the table models."""

from __future__ import annotations

from functools import cache

from simcash_db._native import EventLayout, TableSpec
from simcash_db.models import AgentStateRegisterRecord, SimulationEventRecord, TableModel
from simcash_db.schema import table_columns

# Column kinds the native encoder writes; a table with any other (timestamps)
# is written through its model instead.
NATIVE_KINDS = frozenset({"str", "i64", "bool", "f64", "json"})


def natively_encodable(model: type[TableModel]) -> bool:
    return all(c.kind in NATIVE_KINDS for c in table_columns(model) if not c.from_sequence)


@cache
def table_spec(model: type[TableModel]) -> TableSpec:
    """The native spec of ``model``'s table: every column but a sequence-filled id."""
    if not natively_encodable(model):
        raise TypeError(f"{model.table_name} has columns the native encoder does not write")
    return TableSpec(
        model.table_name,
        [
            # Money is an i64 the encoder reports as int cents (INV-1).
            (c.name, "money" if c.money else c.kind, c.nullable, c.default, c.choices, c.min_value)
            for c in table_columns(model)
            if not c.from_sequence
        ],
    )


@cache
def event_layout() -> EventLayout:
    """The event encoder's two outputs, laid out as their models declare.

    Examples:
        >>> event_layout().column_names[1]
        ['simulation_id', 'tick', 'agent_id', 'register_key', 'register_value']
    """
    return EventLayout(table_spec(SimulationEventRecord), table_spec(AgentStateRegisterRecord))
