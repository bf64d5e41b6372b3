"""The ``simcash-db`` command line."""

from simcash_db.cli.app import cli, main

__all__ = ["cli", "main"]
