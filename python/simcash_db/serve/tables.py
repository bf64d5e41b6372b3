"""The rows a page shows, as named queries that a page renders and an export streams.

Every value reaches DuckDB as a bound parameter; table names come from the models.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from simcash_db.analysis import Source
from simcash_db.analysis.source import sql

#: Rows per Arrow batch in an export: small enough that DuckDB's fetch of the
#: next batch overlaps the send of this one (a 200,000-event run: 60 ms in
#: 65,536-row batches, 40 ms in these).
ARROW_BATCH_ROWS = 8192
#: A piece of a streamed answer.
Chunk = bytes | memoryview


@dataclass(frozen=True)
class Query:
    """One table of a page: its name, and how to ask a source for its rows."""

    name: str
    build: Callable[[Source], duckdb.DuckDBPyRelation]
    #: What the rows depend on (the SQL and its values): equal keys, equal rows.
    key: tuple[object, ...]
    #: Reads every event of a run (its JSON): such answers take turns.
    heavy: bool = False
    #: On the page and in its JSON; if not, only an export (CSV, Arrow) asks for it.
    shown: bool = True

    def relation(self, source: Source) -> duckdb.DuckDBPyRelation:
        return self.build(source)


def select(name: str, text: str, *params: object) -> Query:
    """A Query of SQL ``text`` with ``params`` bound."""
    return Query(name, lambda source: sql(source, text, list(params)), (text, *params))


def analysed(
    name: str,
    function: Callable[..., duckdb.DuckDBPyRelation],
    *args: object,
    heavy: bool = False,
    shown: bool = True,
    **options: object,
) -> Query:
    """A Query of an analysis function (``simcash_db.analysis``) on ``args``
    and keyword ``options``."""
    key = (function.__qualname__, *args, *sorted(options.items()))
    return Query(name, lambda source: function(source, *args, **options), key, heavy, shown)


@dataclass
class Table:
    """The rows of a Query, fetched."""

    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    @classmethod
    def fetch(cls, source: Source, query: Query) -> Table:
        relation = query.relation(source)
        return cls(query.name, list(relation.columns), relation.fetchall())

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def plain(value: Any) -> Any:
    """A value as JSON has it (times as ISO text, decimals as text: money stays exact)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def as_json(tables: Sequence[Table], extra: dict[str, Any] | None = None) -> bytes:
    """The tables as JSON (times as ISO text, decimals as text: money stays exact)."""
    import orjson

    body: dict[str, Any] = dict(extra or {})
    for table in tables:
        body[table.name] = {"columns": table.columns, "rows": table.rows}
    return orjson.dumps(body, default=_text, option=orjson.OPT_NON_STR_KEYS)


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"no JSON form for {type(value).__name__}")


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [json.dumps(plain(v)) if isinstance(v, (list, dict)) else plain(v) for v in row]
        )
    return out.getvalue()


def arrow_stream(relation: duckdb.DuckDBPyRelation) -> Iterator[Chunk]:
    """The relation's rows as an Arrow IPC stream, a batch at a time.

    Each message is Arrow's own encapsulated form (``serialize``), handed on
    without a copy: through an IPC writer into a Python file the export ran
    at a third of DuckDB's fetch rate, two thirds of it copying bytes."""
    import pyarrow as pa

    reader = relation.to_arrow_reader(ARROW_BATCH_ROWS)
    if any(pa.types.is_dictionary(f.type) for f in reader.schema):
        # Dictionaries travel as messages of their own: the writer sends them.
        yield from _written_stream(reader)
        return
    yield memoryview(reader.schema.serialize())
    for batch in reader:
        yield memoryview(batch.serialize())
    yield END_OF_STREAM


#: The IPC stream's end: a continuation marker and a zero length.
END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"


def _written_stream(reader: Any) -> Iterator[bytes]:
    import pyarrow as pa

    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, reader.schema) as writer:
        yield _drain(sink)
        for batch in reader:
            writer.write_batch(batch)
            yield _drain(sink)
    yield _drain(sink)


def _drain(sink: io.BytesIO) -> bytes:
    data = sink.getvalue()
    sink.seek(0)
    sink.truncate()
    return data
