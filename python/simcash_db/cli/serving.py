"""``simcash-db serve``: the dashboard and read API (the optional extra ``[serve]``)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import webbrowser
from pathlib import Path

import click

from simcash_db.cli.app import cli, console

SERVE_NICENESS = 10
INSTALL = "serve needs the optional extra: pip install 'simcash-db[serve]'"


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; another than loopback needs --token.")  # fmt: skip
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="The port (0: any free one).")  # fmt: skip
@click.option("--token", envvar="SIMCASH_DB_TOKEN", default=None,
              help="Required on every request when set ($SIMCASH_DB_TOKEN).")  # fmt: skip
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in a browser.")
@click.pass_obj
def serve(db_path: str, host: str, port: int, token: str | None, open_browser: bool) -> None:
    """A dashboard of the database in a browser, live while an experiment records.

    Every page has a JSON form (?format=json); tables export as CSV and Arrow
    IPC streams. It never keeps a recording from starting: it lets go of the
    file when a writer claims it and then reads through the recording process."""
    try:
        from simcash_db.serve import check_address
        from simcash_db.serve import serve as run_server
    except ImportError:
        raise click.ClickException(INSTALL) from None
    if not Path(db_path).exists():
        raise click.ClickException(f"no database at {db_path!r} (run 'simcash-db init' first)")
    try:
        check_address(host, token)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    shown_host = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown_host}:{listener.getsockname()[1]}/"
    console.print(url, highlight=False, soft_wrap=True)
    # A dashboard on the machine of a recording must not slow it down: it
    # takes the CPU only when the recording leaves it.
    with contextlib.suppress(OSError):
        os.nice(SERVE_NICENESS)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    run_server(db_path, listener, token=token)
