"""``simcash-db serve``: a dashboard and a read API that work while an experiment records.

Pages (server-rendered HTML, each with ``?format=json``, ``csv`` and ``arrow``
forms), live updates over Server-Sent Events, and exports. Needs the optional
extra ``simcash-db[serve]`` (Starlette, uvicorn, Jinja2, pyarrow); nothing
else in the package imports this.

How it reads a file another process records into, and how it lets go of the
file when a recording starts: ``serve.access`` and ``simcash_db.live``.
"""

from __future__ import annotations

from simcash_db.serve.app import check_address, create_app, serve

__all__ = ["check_address", "create_app", "serve"]
