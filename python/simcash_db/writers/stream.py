"""EventWriter: a long run's events streamed to the database in committed batches."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from functools import partial
from types import TracebackType

import duckdb

from simcash_db._native import EventBuffer
from simcash_db.encoding import event_layout
from simcash_db.errors import WriteError, write_failure
from simcash_db.interrupts import deferred_interrupts
from simcash_db.writers.events import DEFAULT_BATCH_SIZE, Event, commit_batch, run_layout
from simcash_db.writers.ledger import auto_batch_id, check_batch_id
from simcash_db.writers.pipeline import IngestPipeline
from simcash_db.writers.rows import EncodedTables
from simcash_db.writers.switching import lower_switch_interval, restore_switch_interval

log = logging.getLogger("simcash_db")

#: Events gathered by ``append`` before they are encoded together (one
#: encoder call per event would cost more than the event).
APPEND_RUN = 256


class EventWriter:
    """Streams a long run's events to the database in committed batches.

    Events are encoded as they are handed in (the dicts are not kept), so
    a bad event raises ``EncodeError`` from the call that handed it in, and
    none of that call's events are kept. Memory stays bounded by
    ``batch_size`` encoded events, not by the run's length. Each flushed
    batch is its own transaction. If the block raises, events not yet
    flushed are dropped and the committed batches stay; ``committed`` says
    how many events are stored. ``encode_overlap`` (the default) suits
    a caller that hands events over back to back; a simulator that runs
    between hand-overs passes False (see ``RunRecorder``).
    With ``encode_overlap=False``, ``in_line`` batches may be handed over
    and not yet committed (memory: ``in_line + 1`` batches); a hand-over
    beyond waits for the oldest, and nothing behind a batch that fails is
    stored. A simulator that holds the GIL passes 2: its commits take longer
    than its batches do to fill near the run's end.
    ``quick_switching`` lowers the GIL switch interval to 1 ms while the
    writer is open (see ``simcash_db.writers.switching``): DuckDB's client
    takes the GIL between the tasks of each commit, and behind a caller
    running Python each hand-over would wait 5 ms.

    Examples:
        >>> from simcash_db import DatabaseManager
        >>> from simcash_db.models import SimulationRunRecord
        >>> from datetime import datetime
        >>> db = DatabaseManager(":memory:"); db.setup()
        >>> db.save_simulation_run(SimulationRunRecord(simulation_id="run-1", config_name="c",
        ...     config_hash="h", start_time=datetime(2026, 1, 1), ticks_per_day=10, num_days=1,
        ...     rng_seed=1, status="running"))
        >>> events = [{"event_type": "Arrival", "tick": t, "tx_id": f"t{t}"} for t in range(5)]
        >>> with db.event_writer("run-1", batch_size=2) as writer:
        ...     writer.extend(events)
        >>> writer.committed
        5
        >>> db.close()
    """

    def __init__(
        self,
        cursor: duckdb.DuckDBPyConnection,
        simulation_id: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        encode_overlap: bool = True,
        quick_switching: bool = True,
        in_line: int = 1,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if in_line < 1:
            raise ValueError("in_line must be at least 1")
        self._in_line = in_line
        self.simulation_id = simulation_id
        self.batch_size = batch_size
        # Each hand-over waits until DuckDB has started the append, so that
        # the caller's next encode overlaps it; a caller whose next work is
        # its own (a simulator's tick) would only pay that wait (1-2 ms).
        self._until_started = encode_overlap
        self._cursor = cursor
        self._ticks_per_day, self._next_seq, stored = run_layout(cursor, simulation_id)
        with deferred_interrupts():  # a writer is made whole, or not at all
            self._setup(stored, quick_switching)

    def _setup(self, stored: frozenset[str], quick_switching: bool) -> None:
        simulation_id, batch_size = self.simulation_id, self.batch_size
        self._stored = set(stored)
        # The batch being built, encoded; rows in errors count from the
        # writer's first event.
        self._pending = EventBuffer(
            event_layout(), simulation_id, self._next_seq, self._ticks_per_day, 0, batch_size
        )
        self._appended: list[Event] = []
        # Rows of the run's other tables that commit with the next batch.
        self._riders: list[EncodedTables] = []
        self._pipeline = IngestPipeline("simcash-stream")
        self._failure: BaseException | None = None
        self._closed = False
        #: Events stored so far (committed batches only).
        self.committed = 0
        #: Batches committed so far.
        self.committed_batches = 0
        self._switching = quick_switching
        if quick_switching:
            lower_switch_interval()

    def append(self, event: Event) -> None:
        """Hand in one event; a full batch is flushed. Appended events are
        encoded ``APPEND_RUN`` at a time (or at the next other call): a bad
        one raises from the call that encodes them, and drops them all."""
        self._check_usable()
        self._appended.append(event)
        if len(self._appended) >= APPEND_RUN:
            self._encode_appended()

    def extend(self, events: Iterable[Event]) -> None:
        """Hand in events (a tick's worth, say); full batches are flushed."""
        self._check_usable()
        self._encode_appended()
        self._encode(events)

    def add_rows(self, encoded: EncodedTables) -> None:
        """Commit rows of the run's other tables (encoded by
        ``DatabaseManager.encode_tables`` for this writer's run) in the
        transaction of the next batch of events, or of ``flush`` or
        ``close``: a recorder's day rows, without a commit of their own.
        A key already stored fails that batch (``WriteError``). Rows added
        when the writer is aborted are still committed, without the
        unflushed events."""
        self._check_usable()
        if encoded.simulation_id != self.simulation_id:
            raise ValueError(
                f"rows of run {encoded.simulation_id!r} given to the writer "
                f"of {self.simulation_id!r}"
            )
        self._riders.append(encoded)

    def flush(self) -> None:
        """Hand the events handed in so far (and any rows added) to the
        ingest thread to commit, as a batch."""
        self._encode_appended()
        if self._pending.rows or self._riders:
            self._submit()

    def _encode_appended(self) -> None:
        if self._appended:
            events, self._appended = self._appended, []
            self._encode(events)

    def _encode(self, events: Iterable[Event]) -> None:
        """Encode ``events`` into the batch being built, handing over each full one."""
        room = self.batch_size - self._pending.rows
        if isinstance(events, list) and len(events) <= room:
            self._pending.extend(events)  # a tick's events, as they are: no copy
            if self._pending.rows >= self.batch_size:
                self._submit()
            return
        iterator = iter(events)
        while chunk := list(itertools.islice(iterator, self.batch_size - self._pending.rows)):
            self._pending.extend(chunk)
            if self._pending.rows >= self.batch_size:
                self._submit()

    def write_batch(self, batch_id: str, events: Iterable[Event]) -> int:
        """Commit ``events`` as one batch named ``batch_id``; returns how many.

        Buffered events are flushed first. A batch whose id is stored already
        (sent again after a crash) is skipped and 0 returned. Call ``sync``
        to wait until it is committed.
        """
        check_batch_id(batch_id)
        self._check_usable()
        self.flush()
        if batch_id in self._stored:
            log.info("batch %r of %r is stored already: skipped", batch_id, self.simulation_id)
            return 0
        self._pending.extend(events)
        rows = self._pending.rows
        self._submit(batch_id)
        return rows

    def sync(self) -> None:
        """Wait until every batch handed over is committed (or raise why not)."""
        self._check_usable()
        self._wait()

    @property
    def buffered(self) -> int:
        """Events handed in and not yet flushed as a batch."""
        return self._pending.rows + len(self._appended)

    @property
    def stored_batch_ids(self) -> frozenset[str]:
        """Ids of the run's batches stored, or handed over to be (this writer's included)."""
        return frozenset(self._stored)

    def _submit(self, batch_id: str | None = None) -> None:
        """Hand the batch built so far to the ingest thread.

        Ctrl-C waits until the batch is handed over and noted: a batch the
        thread commits that the writer does not know of would leave the
        run's next ``event_seq`` and batch id wrong."""
        with deferred_interrupts():
            self._hand_over(batch_id)

    def _hand_over(self, batch_id: str | None) -> None:
        self._check_usable()
        encoded, registers = self._pending.take()
        # The batches before it committed (or wait in line) while this one was built.
        self._wait(keep=self._in_line - 1)
        riders, self._riders = self._riders, []
        ledger: tuple[str, int] | None = None
        if encoded.num_rows or batch_id is not None:
            batch_id = batch_id or auto_batch_id(self._next_seq)
            ledger = (batch_id, self._next_seq)
            self._next_seq += encoded.num_rows
            self._stored.add(batch_id)
        run = self.simulation_id
        commit = partial(commit_batch, self._cursor, run, encoded, registers, ledger, riders=riders)
        self._pipeline.submit(commit, until_started=self._until_started)

    def _wait(self, keep: int = 0) -> None:
        """Wait for the batches handed over, oldest first, until ``keep`` are left."""
        while (in_line := self._pipeline.in_flight()) > keep:
            try:
                stored = self._pipeline.wait()
            except BaseException as exc:
                if self._pipeline.in_flight() == in_line:
                    # Interrupted while waiting (Ctrl-C): the batch is still being
                    # committed, and closing or aborting the writer waits for it.
                    raise
                self._failure = exc
                self._pipeline.abandon()  # those behind it were not run
                if isinstance(exc, KeyboardInterrupt):
                    raise  # the batch was interrupted: nothing of it is stored
                raise write_failure(
                    f"a batch of events of {self.simulation_id!r} ({self.committed} events "
                    "stored before it)",
                    exc,
                ) from exc
            if isinstance(stored, int):
                self.committed += stored
                self.committed_batches += 1

    def _check_usable(self) -> None:
        if self._closed:
            raise WriteError("the event writer is closed")
        if self._failure is not None:
            raise WriteError(
                f"an earlier batch failed ({self._failure}); open a new writer to go on"
            )

    def close(self) -> None:
        """Flush what is buffered, wait for the last commit, release the thread."""
        if self._closed:
            return
        # Ctrl-C lands once the last batch is committed and the thread gone.
        with deferred_interrupts():
            try:
                self.flush()
                self._wait()
            finally:
                self._shutdown()

    def abort(self) -> None:
        """Drop the unflushed events; a batch already handed over still commits."""
        if self._closed:
            return
        dropped = self.buffered
        self._appended = []
        self._pending.clear()
        with deferred_interrupts():
            try:
                if self._riders:
                    self._hand_over(None)  # the rows added stay, without the events
                self._wait()
            except WriteError:
                log.warning("the last batch of %r failed while aborting", self.simulation_id)
            finally:
                self._shutdown()
        log.warning(
            "event writer for %r stopped: %d events committed, %d unflushed dropped",
            self.simulation_id,
            self.committed,
            dropped,
        )

    def _shutdown(self) -> None:
        self._closed = True
        try:
            self._pipeline.close()
            self._cursor.close()
        finally:
            if self._switching:
                self._switching = False
                restore_switch_interval()

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
