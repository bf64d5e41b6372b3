"""The dashboard as an ASGI application, and the server that runs it."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from simcash_db.errors import SimcashDbError
from simcash_db.serve.access import DatabaseAccess
from simcash_db.serve.digests import RunDigests
from simcash_db.serve.guard import Guard
from simcash_db.serve.pages import Pages
from simcash_db.serve.updates import Updates

STATIC = Path(__file__).parent / "static"


def create_app(db_path: str | Path, *, token: str | None = None) -> Guard:
    """The dashboard of the database at ``db_path`` (an ASGI app; see ``serve``)."""
    access = DatabaseAccess(db_path)
    updates = Updates(access)
    digests = RunDigests(access)
    pages = Pages(access, digests)

    async def live(request: Request) -> Response:
        return StreamingResponse(updates.stream(), media_type="text/event-stream")

    async def one_line(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return PlainTextResponse(f"{exc.detail}\n", status_code=exc.status_code)
        # The database could not be read now: say why in one line.
        return PlainTextResponse(f"{exc}\n", status_code=503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        updates.close()
        digests.close()
        access.close()

    routes = [
        Route("/", pages.experiments),
        Route("/experiments/{experiment_id}", pages.experiment),
        Route("/experiments/{experiment_id}/diff", pages.policy_diff),
        Route("/runs/{simulation_id}", pages.run),
        Route("/runs/{simulation_id}/ticks", pages.ticks),
        Route("/runs/{simulation_id}/events", pages.events),
        Route("/runs/{simulation_id}/payments/{tx_id}", pages.payment),
        Route("/compare/runs", pages.compare_runs),
        Route("/compare/experiments", pages.compare_experiments),
        Route("/live", live),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: one_line, SimcashDbError: one_line},
        lifespan=lifespan,
    )
    return Guard(app, token)


def check_address(host: str, token: str | None) -> None:
    """Refuse an address other than loopback unless a token is set (ValueError)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not token:
        raise ValueError(
            f"serving on {host} lets other machines read the database: set a token "
            "(--token or $SIMCASH_DB_TOKEN), or keep the default 127.0.0.1"
        )


def serve(db_path: str | Path, listener: socket.socket, *, token: str | None = None) -> None:
    """Run the dashboard on ``listener`` (a bound socket) until interrupted."""
    import uvicorn

    host = listener.getsockname()[0]
    check_address(host, token)
    config = uvicorn.Config(create_app(db_path, token=token), log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=2)  # fmt: skip
    uvicorn.Server(config).run(sockets=[listener])
