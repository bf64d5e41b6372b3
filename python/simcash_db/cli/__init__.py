"""The ``simcash-db`` command line."""

from simcash_db.cli import (  # noqa: F401  (they register their commands)
    answers,
    demo,
    events,
    experiments,
    export,
    recovery,
    runs,
    serving,
)
from simcash_db.cli.app import cli, main

__all__ = ["cli", "main"]
