"""Child process of test_interrupt: small writes in a loop, interrupted again and again.

Usage: python interrupted_loop.py DB CALL TRIALS, CALL one of write_events,
event_writer. The child restores SIGINT's default handler (a shell's ``&``
starts children with it ignored), prints ``started``, then writes batches
until it has been interrupted TRIALS times, catching whatever each
interrupt raises, printing ``ready`` before each series of writes. After
each interrupt it checks the run (every batch wholly stored or wholly
absent, ``event_seq`` without gap or repeat) and makes the next write of
the same run on the same manager. Then it prints one JSON line: the
exceptions seen, by kind, and the problems found.
"""

from __future__ import annotations

import json
import signal
import sys
from collections import Counter

from factories import make_run
from simcash_db import DatabaseManager

SIM = "looped-run"
BATCH = 300


def batch(number: int) -> list[dict[str, object]]:
    return [
        {"event_type": "Arrival", "tick": number, "tx_id": f"b{number}", "amount": i}
        for i in range(BATCH)
    ]


def write(db: DatabaseManager, call: str, number: int) -> None:
    if call == "write_events":
        db.write_events(SIM, batch(number))
    else:
        for event in batch(number)[:1]:  # one event per writer, as in the report
            with db.event_writer(SIM) as writer:
                writer.extend([event])


def problems(db: DatabaseManager, call: str) -> list[str]:
    found = []
    size = BATCH if call == "write_events" else 1
    partial = db.conn.execute(
        "SELECT tx_id, count(*) FROM simulation_events WHERE simulation_id = ? "
        "GROUP BY tx_id HAVING count(*) <> ?",
        [SIM, size],
    ).fetchall()
    if partial:
        found.append(f"half-written batches: {partial[:3]}")
    count, low, high = db.conn.execute(
        "SELECT count(*), min(event_seq), max(event_seq) FROM simulation_events "
        "WHERE simulation_id = ?",
        [SIM],
    ).fetchall()[0]
    if count and (low != 0 or high != count - 1):
        found.append(f"event_seq from {low} to {high} over {count} events")
    return found


def main() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    path, call, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seen: Counter[str] = Counter()
    found: list[str] = []
    with DatabaseManager(path) as db:
        db.setup()
        db.save_simulation_run(make_run(SIM))
        number = 0
        while sum(seen.values()) < trials:
            try:
                # The parent signals only once it has read this line.
                print("ready", flush=True)
                while True:
                    number += 1
                    write(db, call, number)
            except KeyboardInterrupt:
                seen["KeyboardInterrupt"] += 1
            except BaseException as exc:
                seen[f"{type(exc).__name__}: {exc}"[:200]] += 1
            # A signal the parent sends again while this runs (it thought the
            # first lost) waits: these checks are not what is tested.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                found += problems(db, call)
                number += 1
                write(db, call, number)  # the next write of the same run is taken
            except BaseException as exc:
                found.append(f"after an interrupt: {type(exc).__name__}: {exc}"[:300])
            signal.signal(signal.SIGINT, signal.default_int_handler)
        found += problems(db, call)
    print(json.dumps({"seen": dict(seen), "problems": found, "batches": number}), flush=True)


if __name__ == "__main__":
    main()
