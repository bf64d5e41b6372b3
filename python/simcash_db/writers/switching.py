"""A shorter GIL switch interval while events are written or runs recorded.

DuckDB's Python client takes the GIL back between the tasks of every
statement (to look for Ctrl-C). While a simulator computes in Python on
another thread, each of those hand-overs waits out the interpreter's switch
interval, 5 ms by default: a 16,384-event commit took 55-75 ms instead of
15 ms, and at 1 ms it took 20-30 ms (measured side by side). The writer then
falls behind near the run's end, which the simulator waits for. A simulator
whose tick runs in native code without releasing the GIL is not interrupted
by the interval either way.

The interval is the interpreter's, so it is lowered only while at least one
writer or recorder is open and put back when the last one ends, unless
something else changed it meanwhile.
"""

from __future__ import annotations

import sys
import threading

#: The switch interval while a run is recorded, in seconds.
RECORDING_SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_users = 0
#: (the interval found, the interval set) while lowered.
_lowered: tuple[float, float] | None = None


def lower_switch_interval(interval: float = RECORDING_SWITCH_INTERVAL) -> None:
    """Lower the interval to ``interval`` (if it is longer) until the matching restore."""
    global _users, _lowered
    with _lock:
        _users += 1
        if _users == 1:
            current = sys.getswitchinterval()
            if current > interval:
                _lowered = (current, interval)
                sys.setswitchinterval(interval)


def restore_switch_interval() -> None:
    """End one ``lower_switch_interval``; the last one puts the interval back."""
    global _users, _lowered
    with _lock:
        if _users == 0:
            return
        _users -= 1
        if _users == 0 and _lowered is not None:
            found, lowered = _lowered
            # Someone else set their own interval meanwhile: theirs stays.
            if abs(sys.getswitchinterval() - lowered) < 1e-9:
                sys.setswitchinterval(found)
            _lowered = None
