"""Answers, not just rows: analysis queries over the unified schema.

Each function takes a ``DatabaseManager`` (or its DuckDB connection) and ids,
and returns a DuckDB relation: nothing is read until it is asked for, and
``.pl()``, ``.df()``, ``.arrow()``, ``.fetchall()`` or more SQL on top all
work. Table names come from the models; every value is a bound parameter.
Money columns are int cents. (In the examples of the functions below,
``demo_db`` holds a small synthetic experiment, "exp": see conftest.py.)

Examples:
    >>> from simcash_db import DatabaseManager, ExperimentRecorder
    >>> from simcash_db.workload import ExperimentShape, run_synthetic_experiment
    >>> with DatabaseManager(":memory:") as db:
    ...     db.setup()
    ...     _ = run_synthetic_experiment(ExperimentRecorder(db), "exp", 1,
    ...                                  ExperimentShape(2, 0, 3, 10, 1))
    ...     cost_curve(db, "exp").columns
    ...     run_summary(db, "exp-iter0-evaluation").fetchall()[0][0] > 0
    ['iteration', 'agent_id', 'cost', 'total_cost', 'accepted', 'best_total_so_far']
    True
"""

from __future__ import annotations

from simcash_db.analysis.experiments import cost_curve, policy_evaluations
from simcash_db.analysis.payments import (
    NAMING_ELSEWHERE,
    PAYMENT_FIELDS,
    SETTLING_FIELDS,
    transaction_lifecycle,
)
from simcash_db.analysis.runs import (
    compare_event_counts,
    compare_runs,
    run_summary,
    settlement_by_day,
)
from simcash_db.analysis.source import Source
from simcash_db.analysis.timelines import (
    balance_timeline,
    cost_timeline,
    queue_timeline,
    run_timelines,
)

__all__ = [
    "NAMING_ELSEWHERE",
    "PAYMENT_FIELDS",
    "SETTLING_FIELDS",
    "Source",
    "balance_timeline",
    "compare_event_counts",
    "compare_runs",
    "cost_curve",
    "cost_timeline",
    "policy_evaluations",
    "queue_timeline",
    "run_summary",
    "run_timelines",
    "settlement_by_day",
    "transaction_lifecycle",
]
