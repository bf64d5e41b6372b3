"""The ``simcash-db`` command line."""

from simcash_db.cli import demo, export, inspect  # noqa: F401  (they register their commands)
from simcash_db.cli.app import cli, main

__all__ = ["cli", "main"]
