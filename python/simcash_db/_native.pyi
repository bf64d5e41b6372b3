"""Type stub of the private native module (checked by mypy.stubtest)."""

__all__ = ["__version__", "SimcashDbError", "EncodeError"]

__version__: str

class SimcashDbError(Exception): ...

class EncodeError(SimcashDbError, ValueError):
    row: int
    field: str
    expected: str
    found: str
