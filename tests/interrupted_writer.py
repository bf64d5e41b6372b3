"""Child process of test_interrupt: a long write that the parent interrupts.

Usage: python interrupted_writer.py DB CALL, CALL one of write_events,
encode_events, event_writer. Prints ``started`` right before the call, then
one JSON line: how the call ended and what the database holds afterwards.
"""

from __future__ import annotations

import json
import signal
import sys
import time

from factories import make_run
from simcash_db import DatabaseManager
from simcash_db._native import encode_events
from simcash_db.encoding import event_layout

SIM = "interrupted-run"
EVENTS = 3_000_000  # about 2 s to write here; the parent interrupts after 0.2 s


def main() -> None:
    # Started by a shell's `&`, a child inherits SIGINT ignored, and Python
    # installs no handler: the parent's Ctrl-C must reach it as in a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    path, call = sys.argv[1], sys.argv[2]
    events = [
        {"event_type": "Arrival", "tick": i // 100, "tx_id": "tx", "amount": i}
        for i in range(EVENTS)
    ]
    with DatabaseManager(path) as db:
        db.setup()
        db.save_simulation_run(make_run(SIM))
        print("started", flush=True)
        start = time.perf_counter()
        committed = None
        try:
            if call == "write_events":
                db.write_events(SIM, events)
            elif call == "encode_events":
                encode_events(event_layout(), events, SIM, 0, 100)
            else:
                writer = db.event_writer(SIM)
                try:
                    with writer:
                        writer.extend(events)
                finally:
                    committed = writer.committed
            ended = "returned"
        except KeyboardInterrupt:
            ended = "KeyboardInterrupt"
        except BaseException as exc:  # reported to the parent, which fails the test
            ended = f"{type(exc).__name__}: {exc}"
        took = time.perf_counter() - start
        stored = db.table_counts()["simulation_events"]
        # The database takes the next write as if nothing had happened.
        written = db.write_events(SIM, events[:10])
        after = db.table_counts()["simulation_events"]
        print(
            json.dumps(
                {
                    "ended": ended,
                    "stored": stored,
                    "committed": committed,
                    "written": written,
                    "after": after,
                },
            )
        )
        print(f"took {took:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
