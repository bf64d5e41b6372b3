"""A writer opening a file that a dashboard holds read-only asks it to let go."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from simcash_db.errors import DatabaseInUseError
from simcash_db.live.adverts import CLAIM, VIEWER, read_advert, remove_advert, write_advert

T = TypeVar("T")

#: How long a writer waits for a viewer to let go (it does within ~0.2 s).
CLAIM_WAIT_S = 10.0
_RETRY_S = 0.05


def open_claiming(db_path: str, open_file: Callable[[], T]) -> T:
    """``open_file()``; when a viewer (``simcash-db serve``) holds the file, claim
    it and try again until the viewer has let go. Anyone else holding it still
    gives DatabaseInUseError at once."""
    try:
        return open_file()
    except DatabaseInUseError:
        if read_advert(db_path, VIEWER) is None:
            raise
    write_advert(db_path, CLAIM)
    try:
        deadline = time.monotonic() + CLAIM_WAIT_S
        while True:
            time.sleep(_RETRY_S)
            try:
                return open_file()
            except DatabaseInUseError:
                if time.monotonic() > deadline:
                    raise
    finally:
        remove_advert(db_path, CLAIM)
