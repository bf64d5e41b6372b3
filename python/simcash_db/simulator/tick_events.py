"""A recorded run's events: read after each tick, streamed in committed batches
whose sizes depend on the run alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simcash_db.database import DatabaseManager

#: Events per committed batch of a recorded run. Batches of a fixed size
#: (not a day each, not whenever the writer's thread is free) keep the ledger
#: the same for the same run (INV-2), commit while the simulator runs, and
#: leave one short batch when the run ends (day-sized batches left about
#: 80 ms: 2.5% of a 4-day run; benches/overhead.py).
RUN_BATCH_EVENTS = 16_384

#: Near the run's end the batches shrink, so that what is left to commit
#: when the last tick has run is small: a tick flushes the buffer once it
#: holds this many times the events still to come (estimated from the run's
#: mean per tick so far, so batches stay the same for the same run). A full
#: batch handed over at the last tick left 40-60 ms to wait (benches/overhead.py).
TAPER = 4


#: Batches that may wait to commit behind the one committing. DuckDB's
#: client takes the GIL about twice per thousand rows it inserts, each time
#: once the simulator's tick (native, holding the GIL) has ended, so a
#: batch commits over hundreds of ticks; near the run's end, where batches
#: shrink (``TAPER``), a hand-over waited for the batch before it.
RUN_BATCHES_IN_LINE = 2


class TickEvents:
    """The event writer of one recorded run, and when it flushes."""

    def __init__(self, db: DatabaseManager, simulation_id: str, total_ticks: int) -> None:
        self.total_ticks = total_ticks
        self.seen = 0
        self.writer = db.event_writer(
            simulation_id,
            batch_size=RUN_BATCH_EVENTS,
            encode_overlap=False,
            quick_switching=False,  # the recorder's own, for the whole run
            in_line=RUN_BATCHES_IN_LINE,
        )

    def record(self, tick: int, events: Sequence[Mapping[str, Any]]) -> None:
        """Hand over ``tick``'s events; flush early as the run's end nears (``TAPER``)."""
        self.writer.extend(events)
        self.seen += len(events)
        left = self.total_ticks - tick - 1
        if left > 0 and self.writer.buffered > TAPER * left * self.seen / (tick + 1):
            self.writer.flush()
