"""Many workers, one store: each worker records into a shard of its own, a
complete simcash-db database, and the coordinator merges the shards.

A ``Shard`` is plain data (a path and the experiment row its runs reference),
so it pickles, and any ``concurrent.futures.Executor`` can carry it to a
worker: a ``ProcessPoolExecutor`` on one machine, a Dask cluster's
``Client.get_executor()`` across machines (the shards' folder must then be
shared). DuckDB lets one process write a file; shards keep every worker's
writes local, and ``merge_shards`` folds them in with DuckDB itself.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from simcash_db.database import DatabaseManager
from simcash_db.errors import NotFoundError
from simcash_db.experiments import ExperimentPersistencePolicy, ExperimentRecorder
from simcash_db.merge import MergeResult
from simcash_db.models import ExperimentRecord
from simcash_db.repository import ExperimentRepository


@dataclass(frozen=True)
class Shard:
    """Where one worker records: a database file of its own, and the
    experiment its runs belong to (copied into the shard, so the runs' links
    hold there as in the main database).

    Examples:
        >>> import pickle, tempfile
        >>> from simcash_db.models import ExperimentRecord
        >>> experiment = ExperimentRecord(experiment_id="exp", experiment_name="n",
        ...     experiment_type="t", config={}, master_seed=1)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     shard = pickle.loads(pickle.dumps(Shard(f"{tmp}/w0.duckdb", experiment)))
        ...     with shard.recorder() as recorder:
        ...         recorder.experiment_id
        'exp'
    """

    path: str
    experiment: ExperimentRecord
    #: An empty simcash-db database to start the shard from (``shard_folder``
    #: makes one): a copy opens in a third of the time a new file's schema takes.
    template: str | None = None

    @contextmanager
    def open(self) -> Iterator[DatabaseManager]:
        """The shard's database, its schema set up and the experiment row in it."""
        if self.template is not None and not Path(self.path).exists():
            shutil.copyfile(self.template, self.path)
        with DatabaseManager(self.path) as db:
            db.setup()
            repository = ExperimentRepository(db)
            if repository.load_experiment(self.experiment.experiment_id) is None:
                repository.save_experiment(self.experiment)
            yield db

    @contextmanager
    def recorder(
        self, policy: ExperimentPersistencePolicy | None = None
    ) -> Iterator[ExperimentRecorder]:
        """An ``ExperimentRecorder`` of the experiment, recording into the shard:
        runs get the same structured ids and links as in the main database."""
        with self.open() as db:
            yield ExperimentRecorder(db, self.experiment.experiment_id, policy)


def shards_for(
    db: DatabaseManager, experiment_id: str, folder: str | Path, count: int
) -> list[Shard]:
    """``count`` shards of ``experiment_id`` (as stored in ``db``) under ``folder``."""
    experiment = ExperimentRepository(db).load_experiment(experiment_id)
    if experiment is None:
        raise NotFoundError(f"no experiment {experiment_id!r} in {db.db_path}")
    return [Shard(str(Path(folder) / f"shard-{i}.duckdb"), experiment) for i in range(count)]


#: The empty database ``shard_folder`` leaves in each folder for shards to start from.
TEMPLATE = "template.duckdb"


@contextmanager
def shard_folder(db: DatabaseManager, under: str | Path | None = None) -> Iterator[Path]:
    """A fresh folder for shards, removed at the end: under ``under`` if given
    (workers on several machines need a shared directory), else beside the
    database file. It holds ``TEMPLATE``, an empty database of this schema."""
    if under is None and db.db_path != ":memory:":
        under = Path(db.db_path).parent
    folder = Path(tempfile.mkdtemp(prefix=".simcash-shards-", dir=under))
    try:
        with DatabaseManager(folder / TEMPLATE) as template:
            template.setup()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def merge_shards(db: DatabaseManager, shards: Iterable[Shard | str | Path]) -> list[MergeResult]:
    """Merge the shards into ``db`` in the order given, then delete each shard
    file (a shard that is not there was never written: nothing to merge)."""
    results = []
    for shard in shards:
        path = Path(shard.path if isinstance(shard, Shard) else shard)
        if not path.exists():
            continue
        results.append(db.merge(path))
        path.unlink()
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    return results
