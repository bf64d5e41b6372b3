"""One ingest thread that appends a batch while the caller encodes the next.

The encoders hold the GIL; DuckDB's ``execute`` releases it while it works.
For the two to overlap, the append must get into ``execute`` *before* the
next encode takes the GIL, so the caller waits for that moment (a few
microseconds) instead of racing for the GIL.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: Called by the append right before it enters DuckDB's long ``execute``.
Started = Callable[[], None]


class IngestPipeline:
    """Runs appends one at a time, in order, on a worker thread, overlapping
    the caller. Appends handed over wait in line; once one fails, those
    behind it do not run (raising ``EarlierAppendFailed``), so nothing is
    stored after a failed append."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._pending: deque[Future[object]] = deque()
        self._failed = False

    def submit(self, append: Callable[[Started], T], *, until_started: bool = True) -> Future[T]:
        """Queue ``append(started)`` behind the appends in line.

        Returns when ``append`` has called ``started()`` (or finished), so the
        caller's next GIL-holding encode cannot delay the append's start.
        ``until_started=False`` returns at once: for a caller whose next work
        is not an encode (a simulator's tick), the handshake would cost it
        more (a millisecond or two per batch) than a later start costs the append.
        """
        entered = threading.Event()
        future: Future[T] = self._executor.submit(self._run, append, entered.set)
        future.add_done_callback(lambda _: entered.set())
        # In flight from here on, even if the wait below is interrupted.
        self._pending.append(future)  # type: ignore[arg-type]
        if until_started:
            entered.wait()
        return future

    def _run(self, append: Callable[[Started], T], started: Started) -> T:
        if self._failed:
            raise EarlierAppendFailed("an earlier append failed: this one was not run")
        try:
            return append(started)
        except BaseException:
            self._failed = True
            raise

    def wait(self) -> object:
        """Wait for the oldest append in line, if any; re-raise what it raised.

        If the wait itself is interrupted (Ctrl-C), the append goes on and
        stays in line: ``in_flight()`` says so, and the next wait waits for it.
        """
        if not self._pending:
            return None
        pending = self._pending[0]
        try:
            result = pending.result()
        except BaseException as exc:
            # The append's own failure ends it; anything else interrupted the
            # wait (the append may even have finished meanwhile: its result
            # is kept for the next wait).
            if pending.done() and pending.exception() is exc:
                self._pending.popleft()
            raise
        self._pending.popleft()
        return result

    def in_flight(self) -> int:
        """How many appends were handed over and not waited for."""
        return len(self._pending)

    def abandon(self) -> None:
        """Wait for the appends in line, ignoring their outcome (a failure is being handled)."""
        while self._pending:
            pending = self._pending.popleft()
            # The failure being handled is the one to report, not this one.
            with contextlib.suppress(BaseException):
                pending.result()

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class EarlierAppendFailed(RuntimeError):
    """An append in line behind one that failed: it was not run."""
