"""Ctrl-C: one kind of exception for callers, and steps it cannot cut in two.

DuckDB reports Ctrl-C that lands inside a statement as its own error
(``RuntimeError('Query interrupted')`` or ``duckdb.InterruptException``);
callers of simcash-db always get ``KeyboardInterrupt``. A few steps must
not be cut in two by the signal (handing a batch to the ingest thread and
noting it, closing a writer): inside ``deferred_interrupts`` the signal is
noted and raised when the step is over.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import duckdb

# How DuckDB reports Ctrl-C that arrives while it runs a statement, or
# while it reads a Python object (the KeyboardInterrupt, wrapped).
_DUCKDB_INTERRUPTS = ("query interrupted", "interrupted!", "keyboardinterrupt")


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C, raised by Python or reported by DuckDB."""
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError | duckdb.Error) and any(
        marker in str(exc).lower() for marker in _DUCKDB_INTERRUPTS
    )


@contextmanager
def interrupts_as_keyboard() -> Iterator[None]:
    """Raise DuckDB's reports of Ctrl-C in the block as ``KeyboardInterrupt``.

    Examples:
        >>> try:
        ...     with interrupts_as_keyboard():
        ...         raise RuntimeError("Query interrupted")
        ... except KeyboardInterrupt as stopped:
        ...     print(repr(stopped.__cause__))
        RuntimeError('Query interrupted')
    """
    try:
        yield
    except KeyboardInterrupt:
        raise
    except (RuntimeError, duckdb.Error) as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from exc
        raise


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT back for the block; a signal that came is raised after it.

    Off the main thread (where Python never raises KeyboardInterrupt) and
    when SIGINT is not handled by Python, the block runs as it is. The
    block should be short or bounded: Ctrl-C waits for it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield  # ignored, or the default action: nothing Python would raise
        return
    came: list[FrameType | None] = []

    def note(signum: int, frame: FrameType | None) -> None:
        came.append(frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if came:
            previous(signal.SIGINT, came[0])
