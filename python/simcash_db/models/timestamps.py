"""Wall-clock helpers: run and experiment metadata only, never per-event rows (INV-2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def utc_now() -> datetime:
    """The current UTC time as a naive datetime, the form a DuckDB TIMESTAMP holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def _to_naive_utc(value: datetime) -> datetime:
    # A TIMESTAMP column has no zone: store aware times as UTC, not local time.
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


Timestamp = Annotated[datetime, AfterValidator(_to_naive_utc)]
