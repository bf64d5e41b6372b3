"""One way every page answers: HTML (whole, or the part live updates swap), JSON, CSV or Arrow.

A page is its queries and a function that turns their tables into what its
template shows; ``?format=json`` gives every table, ``?format=csv&table=NAME``
and ``?format=arrow&table=NAME`` one (the first by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from simcash_db.analysis import Source
from simcash_db.serve.access import DatabaseAccess
from simcash_db.serve.cache import Kept
from simcash_db.serve.tables import (
    Chunk,
    Query,
    Table,
    arrow_stream,
    as_csv,
    as_json,
    plain,
)

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
TEMPLATES.filters["money"] = lambda v: "" if v is None else f"{v:,}"
TEMPLATES.filters["plain"] = plain

#: An id in a path or a filter: what simcash-db's structured ids and names use.
_ID = re.compile(r"[A-Za-z0-9_.:+@=-]{1,200}")
FORMATS = ("html", "json", "csv", "arrow")
MAX_TICK = 2**40


def ident(value: str | None, what: str) -> str:
    """``value`` if it is a well-formed id, else 400."""
    if value is None or not _ID.fullmatch(value) or ".." in value:
        raise HTTPException(400, f"malformed {what}")
    return value


def optional_ident(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return ident(value, name) if value else None


def number(request: Request, name: str, default: int, high: int = MAX_TICK) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    if not re.fullmatch(r"\d{1,15}", text) or int(text) > high:
        raise HTTPException(400, f"{name} must be a whole number from 0 to {high}")
    return int(text)


Decorate = Callable[[dict[str, Table]], dict[str, Any]]
#: Live versions (about seconds) a whole-run answer is kept while a recording runs.
HEAVY_EVERY = 5


async def respond(
    request: Request,
    access: DatabaseAccess,
    template: str,
    queries: Sequence[Query],
    decorate: Decorate,
    *,
    must_exist: Sequence[tuple[str, str]] = (),
) -> Response:
    """Answer ``request`` with ``queries``; 404 with the message of the first of
    ``must_exist`` (``(table, message)`` pairs) whose table has no row."""
    fmt = request.query_params.get("format", "html")
    if fmt not in FORMATS:
        raise HTTPException(400, f"format must be one of {', '.join(FORMATS)}")
    chosen = request.query_params.get("table")
    by_name = {q.name: q for q in queries}
    if chosen is not None and chosen not in by_name:
        raise HTTPException(400, f"table must be one of {', '.join(by_name)}")
    wanted = by_name[chosen] if chosen else queries[0]
    if fmt == "arrow":
        if must_exist:
            checks = [by_name[name] for name, _ in must_exist]
            found = await run_in_threadpool(
                access.reading, lambda s: _fetch(s, checks, access, access.answers_key())
            )
            for name, message in must_exist:
                if not found[name].rows:
                    raise HTTPException(404, message)
        return StreamingResponse(
            read_ahead(_arrow(access, wanted)),
            media_type="application/vnd.apache.arrow.stream",
            headers={"content-disposition": f'attachment; filename="{wanted.name}.arrow"'},
        )
    base = access.answers_key()
    if base is None:
        return await _answer(request, access, template, queries, decorate, must_exist, fmt,
                             wanted, None)  # fmt: skip
    key = (*base, request.url.path, request.url.query)
    # Pages asked at once for the same answer (all the open pages after a
    # live update) wait for the first instead of asking the database again.
    while not isinstance(kept := access.answers.get(key), Kept):
        if access.answers.claim(key):
            try:
                response = await _answer(request, access, template, queries, decorate,
                                         must_exist, fmt, wanted, base)  # fmt: skip
                headers = tuple((k, v) for k, v in response.headers.items()
                                if k == "content-disposition")  # fmt: skip
                body = bytes(response.body)
                access.answers.put(key, Kept(body, response.media_type or "", headers), len(body))
                return response
            finally:
                access.answers.release(key)
        await run_in_threadpool(access.answers.wait, key)
    return Response(kept.body, media_type=kept.media_type, headers=dict(kept.headers))


async def _answer(
    request: Request,
    access: DatabaseAccess,
    template: str,
    queries: Sequence[Query],
    decorate: Decorate,
    must_exist: Sequence[tuple[str, str]],
    fmt: str,
    wanted: Query,
    base: tuple[object, ...] | None,
) -> Response:
    # A page and its JSON: what it shows; a CSV: the table asked for.
    checked = {name for name, _ in must_exist}

    def needed(query: Query) -> bool:
        if query.name in checked:
            return True
        if fmt == "csv":
            return query is wanted
        return query.shown

    asked = [query for query in queries if needed(query)]
    tables = await run_in_threadpool(
        access.reading, lambda source: _fetch(source, asked, access, base)
    )
    for name, message in must_exist:
        if not tables[name].rows:
            raise HTTPException(404, message)
    if fmt == "json":
        return Response(as_json(list(tables.values())), media_type="application/json")
    if fmt == "csv":
        return Response(
            as_csv(tables[wanted.name]), media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{wanted.name}.csv"'},
        )  # fmt: skip
    context = await run_in_threadpool(decorate, tables)
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items()
                      if k not in ("format", "table", "fragment", "token")])  # fmt: skip
    html = TEMPLATES.get_template(template).render(
        **context, tables=tables, fragment=request.query_params.get("fragment") == "1",
        path=request.url.path, export_base=f"{request.url.path}?{kept + '&' if kept else ''}",
    )  # fmt: skip
    return HTMLResponse(html)


def _fetch(
    source: Source,
    queries: Sequence[Query],
    access: DatabaseAccess,
    base: tuple[object, ...] | None,
) -> dict[str, Table]:
    """The tables of ``queries``: those kept under ``base``, the others asked for
    (and kept). Answers over a whole run's events take turns, so that the cheap
    pages keep a core while they run."""
    tables: dict[str, Table] = {}
    missing = []
    for query in queries:
        kept = access.tables.get(_table_key(base, query)) if base is not None else None
        if isinstance(kept, Table):
            tables[query.name] = Table(query.name, kept.columns, kept.rows)
        else:
            missing.append(query)
    turn = access.heavy if any(query.heavy for query in missing) else contextlib.nullcontext()
    with turn:
        for query in missing:
            table = Table.fetch(source, query)
            tables[query.name] = table
            if base is not None:
                size = 32 * len(table.rows) * max(1, len(table.columns))
                access.tables.put(_table_key(base, query), table, size)
    return tables


def _table_key(base: tuple[object, ...], query: Query) -> tuple[object, ...]:
    """Where a table is kept: under the answers' key, but while a recording
    holds the file a whole-run answer stays for HEAVY_EVERY live versions
    (seconds): it would otherwise read the running run's events again every
    second in the recording process."""
    if base[0] == "live" and query.heavy and isinstance(base[1], int):
        return ("live-heavy", base[1] // HEAVY_EVERY, *query.key)
    return (*base, *query.key)


def _arrow(access: DatabaseAccess, query: Query) -> Generator[Chunk, None, None]:
    with access.source() as source:
        yield from arrow_stream(query.relation(source))


_DONE = object()


async def read_ahead(chunks: Generator[Chunk, None, None]) -> AsyncIterator[Chunk]:
    """``chunks``, each made on a worker thread while the one before it is
    sent: DuckDB's fetch and the socket's writes overlap (one after the other,
    a 200,000-event export spent as long waiting as working). A client that
    leaves mid-stream closes ``chunks`` once the chunk being made is done."""
    pending = asyncio.ensure_future(run_in_threadpool(next, chunks, _DONE))
    try:
        while (chunk := await pending) is not _DONE:
            pending = asyncio.ensure_future(run_in_threadpool(next, chunks, _DONE))
            yield chunk  # type: ignore[misc]
    finally:
        # A generator running on a thread cannot be closed: let it finish its chunk.
        with contextlib.suppress(BaseException):
            await asyncio.shield(pending)
        await run_in_threadpool(chunks.close)
