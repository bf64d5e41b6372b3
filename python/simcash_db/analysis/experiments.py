"""Experiment-level answers: the cost curve and the policy evaluations."""

from __future__ import annotations

import duckdb

from simcash_db.analysis.source import EVALUATIONS, ITERATIONS, Source, sql


def cost_curve(source: Source, experiment_id: str) -> duckdb.DuckDBPyRelation:
    """Per iteration and agent: the agent's cost, the iteration's total, whether
    the agent's proposed change was accepted (None if it proposed none), and
    the best iteration total so far.

    Examples:
        >>> cost_curve(demo_db, "exp").limit(2).fetchall()
        [(0, 'BANK_00', 204, 310, None, 310), (0, 'BANK_01', 34, 310, False, 310)]
    """
    return sql(
        source,
        f"""
        WITH costs AS (
            SELECT i.iteration, c.key AS agent_id, CAST(c.value AS BIGINT) AS cost,
                   TRY_CAST(json_extract(i.accepted_changes, '$."' || c.key || '"') AS BOOLEAN)
                       AS accepted
            FROM {ITERATIONS} i, json_each(i.costs_per_agent) c
            WHERE i.experiment_id = ?
        ), totals AS (
            SELECT iteration, sum(cost)::BIGINT AS total_cost FROM costs GROUP BY iteration
        ), best AS (
            SELECT iteration, total_cost,
                   min(total_cost) OVER (ORDER BY iteration) AS best_total_so_far
            FROM totals
        )
        SELECT c.iteration, c.agent_id, c.cost, b.total_cost, c.accepted, b.best_total_so_far
        FROM costs c JOIN best b USING (iteration)
        ORDER BY c.iteration, c.agent_id
        """,
        [experiment_id],
    )


def policy_evaluations(source: Source, experiment_id: str) -> duckdb.DuckDBPyRelation:
    """One row per agent per iteration: old and new cost, the delta, the mean
    delta per sample and its 95% interval, and the decision.

    Examples:
        >>> policy_evaluations(demo_db, "exp").select("iteration, agent_id, delta").fetchall()
        [(0, 'BANK_01', 0), (1, 'BANK_01', 354), (2, 'BANK_03', 806)]
    """
    return sql(
        source,
        f"""
        SELECT iteration, agent_id, evaluation_mode, old_cost, new_cost,
               new_cost - old_cost AS delta, delta_sum, num_samples,
               delta_sum / num_samples AS mean_delta, cost_std_dev,
               cost_ci95_lower, cost_ci95_upper, accepted, acceptance_reason,
               evaluation_simulation_id
        FROM {EVALUATIONS} WHERE experiment_id = ?
        ORDER BY iteration, agent_id
        """,
        [experiment_id],
    )
