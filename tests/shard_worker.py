"""Child process of test_merge: records synthetic runs into its own shard.

Usage: python shard_worker.py SHARD EXPERIMENT_ID FIRST_SEED COUNT
"""

from __future__ import annotations

import sys

from simcash_db import DatabaseManager, ExperimentRecorder
from simcash_db.workload.orchestrator import SyntheticOrchestrator


def main() -> None:
    path, experiment_id, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with DatabaseManager(path) as db:
        db.setup()
        recorder = ExperimentRecorder(db)
        # The shard holds a copy of the experiment row its runs reference.
        recorder.start_experiment(experiment_id, "farm", "policy_search", {}, master_seed=1,
                                  replace=True)  # fmt: skip
        for sample in range(first, first + count):
            config = {"ticks_per_day": 10, "num_days": 2, "rng_seed": sample, "banks": 4}
            # Evaluations are stored in full by the default policy: events and rows.
            orchestrator = SyntheticOrchestrator.new(config)
            recorder.record_run(sample, "evaluation", None, orchestrator, config)


if __name__ == "__main__":
    main()
