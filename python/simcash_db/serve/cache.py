"""Answers kept while the file cannot change under them.

While the dashboard holds the file read-only, no process can write it: an
answer computed then stays true until the dashboard lets go (a new
*generation* starts when it opens the file again). So answers are kept per
generation, least recently used first out, within a byte budget. While a
recording holds the file nothing is kept: its data moves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

#: Bytes kept at most, of whole answers and of the tables they are made of.
BUDGET = 32 * 1024 * 1024


@dataclass(frozen=True)
class Kept:
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]


class AnswerCache:
    """Values by key within a byte budget (each put says its size)."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self._answers: OrderedDict[tuple[object, ...], tuple[object, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._computing: dict[tuple[object, ...], threading.Event] = {}

    def get(self, key: tuple[object, ...]) -> object | None:
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return None
            self._answers.move_to_end(key)
            return kept[0]

    def put(self, key: tuple[object, ...], value: object, size: int) -> None:
        if size > self.budget // 8:
            return  # a bulk answer: not worth evicting many others for
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = (value, size)
            self._size += size
            while self._size > self.budget:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._size -= dropped

    def claim(self, key: tuple[object, ...]) -> bool:
        """Whether the caller is the one to compute ``key`` (no one else is)."""
        with self._lock:
            if key in self._computing:
                return False
            self._computing[key] = threading.Event()
            return True

    def release(self, key: tuple[object, ...]) -> None:
        with self._lock:
            done = self._computing.pop(key, None)
        if done is not None:
            done.set()

    def wait(self, key: tuple[object, ...], timeout: float = 60.0) -> None:
        """Until whoever computes ``key`` is done (answered, or failed)."""
        with self._lock:
            computing = self._computing.get(key)
        if computing is not None:
            computing.wait(timeout)

    def keys_kept(self) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._answers)

    @property
    def size(self) -> int:
        return self._size
