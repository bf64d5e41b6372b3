"""``simcash-db`` and ``python -m simcash_db``: the command line.

This module imports nothing heavy itself, so that Ctrl-C while the command
line is still being imported ends with one line and exit status 130, like
Ctrl-C anywhere later (``simcash_db.cli.app.main``).
"""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C


def main() -> None:
    # Ctrl-C during the imports is noted and acted on after them: raised
    # inside a native extension's initialisation (DuckDB's), KeyboardInterrupt
    # makes it abort the process with a "critical error" and a traceback.
    # The deferral lasts until the command itself starts: between the two,
    # click would answer Ctrl-C with a blank line of its own.
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: pressed.append(number))
    try:
        from simcash_db.cli import main as run_command_line
    except BaseException:
        signal.signal(signal.SIGINT, previous)
        raise
    if pressed:
        signal.signal(signal.SIGINT, previous)
        print("Interrupted.", file=sys.stderr)
        sys.exit(INTERRUPTED)
    run_command_line(deferred_interrupts=(pressed, previous))


if __name__ == "__main__":
    main()
