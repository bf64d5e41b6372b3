"""Type stub of the private native module (checked by mypy.stubtest)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, final

__all__ = [
    "CATALOG_MONEY_KEYS",
    "CHUNK_ROWS",
    "ArrowBatch",
    "EncodeError",
    "EventBuffer",
    "EventLayout",
    "EventStream",
    "SimcashDbError",
    "TableSpec",
    "__version__",
    "decode_events",
    "encode_events",
    "encode_rows",
    "event_lines",
    "key_summary",
    "release_buffers",
    "retained_buffer_bytes",
]

__version__: str
CHUNK_ROWS: int
CATALOG_MONEY_KEYS: list[str]

class SimcashDbError(Exception): ...

class EncodeError(SimcashDbError, ValueError):
    row: int
    field: str
    expected: str
    found: str

@final
class ArrowBatch:
    """Encoded rows; implements the Arrow PyCapsule stream interface."""

    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def __arrow_c_schema__(self) -> object: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __len__(self) -> int: ...

@final
class EventLayout:
    """The event encoder's outputs (events, registers), from the two tables' specs."""

    def __new__(cls, events: TableSpec, registers: TableSpec) -> EventLayout: ...
    @property
    def column_names(self) -> tuple[list[str], list[str]]: ...

@final
class EventBuffer:
    """A streaming writer's batch, encoded as events are handed in."""

    def __new__(
        cls,
        layout: EventLayout,
        simulation_id: str,
        first_seq: int,
        ticks_per_day: int,
        row_offset: int = 0,
        capacity: int = 4096,
    ) -> EventBuffer: ...
    def extend(self, events: Iterable[Mapping[str, Any]]) -> None: ...
    @property
    def rows(self) -> int: ...
    def take(self) -> tuple[ArrowBatch, ArrowBatch]: ...
    def clear(self) -> None: ...

@final
class EventStream:
    """Events encoded as DuckDB reads them; an Arrow PyCapsule stream, read once."""

    def __new__(
        cls,
        layout: EventLayout,
        events: Iterable[Mapping[str, Any]],
        simulation_id: str,
        first_seq: int,
        ticks_per_day: int,
        row_offset: int = 0,
        chunk_rows: int = ...,
    ) -> EventStream: ...
    @property
    def column_names(self) -> list[str]: ...
    def __arrow_c_schema__(self) -> object: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def prefetch(self) -> None: ...
    def take_failure(self) -> BaseException | None: ...
    def finish(self) -> tuple[int, ArrowBatch]: ...

@final
class TableSpec:
    """Columns of a table: (name, kind, nullable, default, choices, min_value)."""

    def __new__(
        cls,
        table: str,
        columns: Sequence[tuple[str, str, bool, object | None, Sequence[str] | None, int | None]],
    ) -> TableSpec: ...
    @property
    def table(self) -> str: ...
    @property
    def column_names(self) -> list[str]: ...

def encode_events(
    layout: EventLayout,
    events: Iterable[Mapping[str, Any]],
    simulation_id: str,
    first_seq: int,
    ticks_per_day: int,
    row_offset: int = 0,
) -> tuple[ArrowBatch, ArrowBatch]: ...
def encode_rows(
    spec: TableSpec,
    rows: Iterable[Mapping[str, Any]],
    constants: Mapping[str, object] | None = None,
    row_offset: int = 0,
    replace: bool = False,
) -> ArrowBatch: ...
def key_summary(
    batch: ArrowBatch, columns: list[str]
) -> tuple[list[Any] | None, list[tuple[str, int, int]]]:
    """The first key of ``columns`` the batch repeats, and each int key column's range."""

def decode_events(source: object) -> list[dict[str, Any]]:
    """Events of an Arrow stream of (event_type, tick, details), as dicts."""

def event_lines(source: object) -> tuple[int, bytes]:
    """Events of an Arrow stream of (event_type, tick, details), as JSON lines."""

def release_buffers() -> int:
    """Free the output buffers the encoders keep for reuse; returns their bytes."""

def retained_buffer_bytes() -> int:
    """Bytes of output buffers the encoders keep for reuse."""
