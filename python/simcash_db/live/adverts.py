"""The small files beside a database that say which process holds it, and how to reach it.

``DB.reader``: a process holds DB and answers reads on the socket it names.
``DB.viewer``: a dashboard holds DB read-only and lets go on a claim.
``DB.claim``: a writer asks the viewer to let go.

Each is a JSON object with at least the ``pid`` of its process, written whole
(a temporary file renamed into place) and readable by its user only. An advert
whose process is gone is stale: it reads as absent.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READER = ".reader"
VIEWER = ".viewer"
CLAIM = ".claim"


@dataclass(frozen=True)
class Advert:
    pid: int
    fields: dict[str, Any]


def advert_path(db_path: str | Path, kind: str) -> Path:
    return Path(f"{db_path}{kind}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def write_advert(db_path: str | Path, kind: str, **fields: Any) -> Path:
    """Write the advert of ``kind`` for this process; returns its path."""
    path = advert_path(db_path, kind)
    scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"pid": os.getpid(), **fields}, out)
    os.replace(scratch, path)
    return path


def read_advert(db_path: str | Path, kind: str) -> Advert | None:
    """The advert of ``kind`` if there is one and its process is alive."""
    try:
        data = json.loads(advert_path(db_path, kind).read_text())
        pid = int(data.pop("pid"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Advert(pid, data) if pid_alive(pid) else None


def remove_advert(db_path: str | Path, kind: str) -> None:
    """Remove the advert of ``kind`` if this process wrote it (another's stays)."""
    path = advert_path(db_path, kind)
    try:
        if json.loads(path.read_text()).get("pid") != os.getpid():
            return
    except (OSError, ValueError, AttributeError):
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
