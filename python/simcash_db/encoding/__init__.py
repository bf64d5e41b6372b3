"""The bridge to the native encoders: column specs derived from the models."""

from simcash_db.encoding.specs import NATIVE_KINDS, natively_encodable, table_spec

__all__ = ["NATIVE_KINDS", "natively_encodable", "table_spec"]
