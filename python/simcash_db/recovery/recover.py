"""``recover``: a database file that a kill left unopenable, mended and proven.

The damage a SIGKILL inside a DuckDB CHECKPOINT leaves (``file_format``) is
a torn metadata block: the file no longer opens. Recovery never touches the
damaged file. It mends copies, one way after another, until one opens and
reads whole: every table read to its last row (DuckDB checks each block's
checksum as it reads), each run's events unique and as many as its ledger
of acknowledged batches says. The mended
copy is checkpointed (a fresh root, the WAL folded in), read whole again,
and only then takes the file's place; the damaged file and its WAL are kept
beside it.

The ways, most recent state first:

1. the newest checkpoint, its torn metadata block resealed (the pages it
   uses were written before the tear), with the WAL replayed on it;
2. the checkpoint before it (the newest retired), torn block resealed, with
   the WAL replayed on it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from simcash_db.connection import connect
from simcash_db.errors import DamagedDatabaseError, DatabaseFileError
from simcash_db.models import EventBatchRecord, SimulationEventRecord, SimulationRunRecord
from simcash_db.recovery.file_format import (
    DatabaseHeader,
    block_is_intact,
    read_headers,
    reseal_block,
    retire_header,
)

_EVENTS = SimulationEventRecord.table_name
_LEDGER = EventBatchRecord.table_name
_RUNS = SimulationRunRecord.table_name


@dataclass(frozen=True)
class RecoveryReport:
    """What ``recover`` found and did."""

    path: Path
    #: How the file was mended; None when it opened and read whole as it was.
    repair: str | None
    #: The damaged file, kept (None when nothing was mended).
    kept: Path | None
    #: Rows of every table of the file as it now is.
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        runs, events = self.rows.get(_RUNS, 0), self.rows.get(_EVENTS, 0)
        batches = self.rows.get(_LEDGER, 0)
        held = (
            f"{runs:,} run{'s' * (runs != 1)}, {events:,} event{'s' * (events != 1)} "
            f"in {batches:,} batch{'es' * (batches != 1)}"
        )
        if self.repair is None:
            return f"{self.path}: opens and reads whole ({held}); nothing to recover"
        return (
            f"{self.path}: recovered from {self.repair} ({held}); "
            f"the damaged file is kept as {self.kept}"
        )


def recover(path: str | Path) -> RecoveryReport:
    """Mend a database file a kill left unopenable; see the module's doc.

    Returns what was done. Raises DamagedDatabaseError when no way gives a
    file that reads whole (the file is left as it was), DatabaseFileError
    when ``path`` is no DuckDB file, DatabaseInUseError when another process
    has it open.
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseFileError(f"no database file {path}")
    if not path.is_file() or not read_headers(path):
        raise DatabaseFileError(f"{path} is not a DuckDB database file")
    problem: str | None
    try:
        connect(str(path), read_only=True).close()  # another process's lock raises here
    except DamagedDatabaseError as exc:
        problem = first_line(exc.__cause__ or exc)
    else:
        if (problem := read_whole(path, read_only=True)) is None:
            return RecoveryReport(path, None, None, table_rows(path))
        raise DamagedDatabaseError(
            f"{path} opens but does not read whole ({problem}): not the damage of a kill "
            "inside a checkpoint, which recover mends; it is left as it was"
        )
    headers = read_headers(path)
    if not all(header.valid for header in headers):
        raise DamagedDatabaseError(
            f"{path} cannot be recovered: a checkpoint header is damaged too ({problem})"
        )
    tried = [f"as it is: {problem}"]
    with tempfile.TemporaryDirectory(prefix=".recover-", dir=path.parent) as folder:
        for name, mend in ways(headers):
            trial = Path(folder) / path.name
            copy_database(path, trial)
            mend(trial)
            if (problem := read_whole(trial, read_only=False)) is None:
                checkpoint(trial)
                problem = read_whole(trial, read_only=True)
            if problem is None:
                kept = keep_damaged(path)
                move_database(trial, path)
                return RecoveryReport(path, name, kept, table_rows(path))
            tried.append(f"{name}: {problem}")
    raise DamagedDatabaseError(
        f"{path} cannot be recovered; it is left as it was. Tried " + "; ".join(tried)
    )


Mend = Callable[[Path], None]


def ways(headers: list[DatabaseHeader]) -> list[tuple[str, Mend]]:
    newest, older = sorted(headers, key=lambda header: header.iteration, reverse=True)

    def reseal(header: DatabaseHeader) -> Mend:
        def mend(trial: Path) -> None:
            if not block_is_intact(trial, header, header.meta_block_id):
                reseal_block(trial, header, header.meta_block_id)

        return mend

    def roll_back(trial: Path) -> None:
        retire_header(trial, newest)
        reseal(older)(trial)

    return [
        (f"checkpoint {newest.iteration} (its torn metadata block resealed) and the WAL",
         reseal(newest)),
        (f"checkpoint {older.iteration} (the one before the last) and the WAL", roll_back),
    ]  # fmt: skip


def read_whole(path: Path, *, read_only: bool) -> str | None:
    """None if the file opens, reads whole and keeps the ledger's word; else why not."""
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        return first_line(exc)
    try:
        tables = [name for (name,) in con.execute("SHOW TABLES").fetchall()]
        for table in tables:
            # Hashing whole rows reads every column's blocks, checksums and all.
            con.execute(f'SELECT count(*), sum(hash(t)) FROM "{table}" t').fetchall()
        if _EVENTS in tables and _LEDGER in tables:
            broken = con.execute(
                f"SELECT e.simulation_id FROM (SELECT simulation_id, count(*) AS n, "
                f"count(DISTINCT event_seq) AS seqs FROM {_EVENTS} GROUP BY ALL) e "
                f"LEFT JOIN (SELECT simulation_id, sum(num_events) AS n FROM {_LEDGER} "
                "GROUP BY ALL) b USING (simulation_id) "
                "WHERE e.seqs <> e.n OR (b.n IS NOT NULL AND b.n <> e.n) LIMIT 1"
            ).fetchall()
            if broken:
                return f"the events of run {broken[0][0]!r} do not match its ledger"
    except duckdb.Error as exc:
        return first_line(exc)
    finally:
        con.close()
    return None


def checkpoint(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def table_rows(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [name for (name,) in con.execute("SHOW TABLES").fetchall()]
        return {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]) for t in tables}
    finally:
        con.close()


def copy_database(source: Path, target: Path) -> None:
    """The file and its WAL (or the WAL's absence)."""
    shutil.copyfile(source, target)
    wal, target_wal = Path(f"{source}.wal"), Path(f"{target}.wal")
    if wal.exists():
        shutil.copyfile(wal, target_wal)
    else:
        target_wal.unlink(missing_ok=True)


def move_database(source: Path, target: Path) -> None:
    """Renames (one file system: the trials live beside the file), WAL included."""
    wal, target_wal = Path(f"{source}.wal"), Path(f"{target}.wal")
    if wal.exists():
        wal.replace(target_wal)
    else:
        target_wal.unlink(missing_ok=True)
    source.replace(target)


def keep_damaged(path: Path) -> Path:
    """Moves the damaged file (and WAL) aside, under a name that says what it is."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    move_database(path, kept)
    return kept


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
