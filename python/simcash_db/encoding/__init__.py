"""The bridge to the native encoders: table specs and event layouts, from the models."""

from simcash_db.encoding.specs import NATIVE_KINDS, event_layout, natively_encodable, table_spec

__all__ = ["NATIVE_KINDS", "event_layout", "natively_encodable", "table_spec"]
