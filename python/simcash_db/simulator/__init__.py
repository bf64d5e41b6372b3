"""The glue to a payment simulator shaped like SimCash's ``Orchestrator``:
the interface persistence uses (a Protocol: the simulator is not a
dependency), a recorder that drives or follows its ticks, and ``record_run``."""

from simcash_db.simulator.protocol import Orchestrator
from simcash_db.simulator.recorder import RunRecorder
from simcash_db.simulator.whole_run import record_run

__all__ = ["Orchestrator", "RunRecorder", "record_run"]
