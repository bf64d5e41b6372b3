"""One ingest thread that appends a batch while the caller encodes the next.

The encoders hold the GIL; DuckDB's ``execute`` releases it while it works.
For the two to overlap, the append must get into ``execute`` *before* the
next encode takes the GIL, so the caller waits for that moment (a few
microseconds) instead of racing for the GIL.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: Called by the append right before it enters DuckDB's long ``execute``.
Started = Callable[[], None]


class IngestPipeline:
    """Runs appends one at a time on a worker thread, overlapping the caller."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._pending: Future[object] | None = None

    def submit(self, append: Callable[[Started], T], *, until_started: bool = True) -> Future[T]:
        """Start ``append(started)`` once the previous append is done.

        Returns when ``append`` has called ``started()`` (or finished), so the
        caller's next GIL-holding encode cannot delay the append's start.
        ``until_started=False`` returns at once: for a caller whose next work
        is not an encode (a simulator's tick), the handshake would cost it
        more (a millisecond or two per batch) than a later start costs the append.
        """
        self.wait()
        entered = threading.Event()
        future: Future[T] = self._executor.submit(append, entered.set)
        future.add_done_callback(lambda _: entered.set())
        # In flight from here on, even if the wait below is interrupted.
        self._pending = future  # type: ignore[assignment]
        if until_started:
            entered.wait()
        return future

    def wait(self) -> object:
        """Wait for the append in flight, if any; re-raise what it raised.

        If the wait itself is interrupted (Ctrl-C), the append goes on and
        stays in flight: ``in_flight()`` says so, and the next wait waits for it.
        """
        pending = self._pending
        if pending is None:
            return None
        try:
            result = pending.result()
        except BaseException as exc:
            # The append's own failure ends it; anything else interrupted the
            # wait (the append may even have finished meanwhile: its result
            # is kept for the next wait).
            if pending.done() and pending.exception() is exc:
                self._pending = None
            raise
        self._pending = None
        return result

    def in_flight(self) -> bool:
        """Whether an append was handed over and has not been waited for."""
        return self._pending is not None

    def abandon(self) -> None:
        """Wait for the append in flight, ignoring its outcome (a failure is being handled)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            # The failure being handled is the one to report, not this one.
            with contextlib.suppress(BaseException):
                pending.result()

    def close(self) -> None:
        self._executor.shutdown(wait=True)
