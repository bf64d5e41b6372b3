"""A run's other rows (transactions, metrics, ...), and shards merged in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simcash_db.database.cursors import Connected, check_id, check_rows
from simcash_db.merge import BATCH_EVENTS, MergeResult, merge_shard
from simcash_db.models import TransactionRecord
from simcash_db.writers import (
    EncodedTables,
    encode_tables,
    model_for,
    store_tables,
    write_rows,
)


class RunTables(Connected):
    def write_transactions(
        self, simulation_id: str, transactions: Iterable[Mapping[str, Any]]
    ) -> int:
        """Store a run's transaction rows as one transaction.

        ``simulation_id`` is the run's id: a row need not carry one, and a
        ``simulation_id`` it carries (a simulator's own internal run id) is
        replaced by it, as the simulator's own persistence did.
        """
        check_id("simulation_id", simulation_id)
        check_rows("transactions", transactions)
        with self._cursor() as cursor:
            return write_rows(
                cursor,
                TransactionRecord,
                transactions,
                {"simulation_id": simulation_id},
                replace=True,
            )

    def write_rows(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        simulation_id: str | None = None,
        replace: bool = False,
    ) -> int:
        """Store rows of a per-simulation table as one transaction.

        Each row names its ``simulation_id``, or ``simulation_id`` gives it
        for all of them; a row naming another is refused, unless ``replace``
        (a simulator's rows carrying its own internal run id).
        """
        model = model_for(table)
        check_rows("rows", rows)
        constants = None if simulation_id is None else {"simulation_id": simulation_id}
        if simulation_id is not None:
            check_id("simulation_id", simulation_id)
        with self._cursor() as cursor:
            return write_rows(cursor, model, rows, constants, replace=replace)

    def write_tables(
        self,
        tables: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        simulation_id: str,
        replace: bool = False,
    ) -> dict[str, int]:
        """``write_rows`` for several per-simulation tables of one run, in one
        transaction (all land or none do); returns the rows of each table."""
        return self.write_encoded(
            self.encode_tables(tables, simulation_id=simulation_id, replace=replace)
        )

    def encode_tables(
        self,
        tables: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        simulation_id: str,
        replace: bool = False,
    ) -> EncodedTables:
        """The first half of ``write_tables``: the rows encoded, nothing
        stored (no database access: any thread may call it); ``write_encoded``
        stores them. Encoding where the rows were just built is faster."""
        check_id("simulation_id", simulation_id)
        for table, rows in tables.items():
            check_rows(f"tables[{table!r}]", rows)
        return encode_tables(
            [(model_for(table), rows) for table, rows in tables.items()],
            {"simulation_id": simulation_id},
            replace=replace,
        )

    def write_encoded(self, encoded: EncodedTables) -> dict[str, int]:
        """The second half of ``write_tables``: store what ``encode_tables``
        encoded, in one transaction; returns the rows of each table."""
        with self._cursor() as cursor:
            store_tables(cursor, encoded)
        return encoded.rows

    def merge(self, shard_path: str | Path, *, batch_events: int = BATCH_EVENTS) -> MergeResult:
        """Fold a worker's shard (a simcash-db database of its own) into this one:
        whole runs per transaction (up to ``batch_events`` events each), runs
        already here skipped, a run here with other content refused by name
        (see ``simcash_db.merge``)."""
        return merge_shard(self.conn, shard_path, batch_events=batch_events)
