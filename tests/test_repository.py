"""ExperimentRepository round trips, listing and the delete cascade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pytest

from factories import BASE_TIME, iteration, later, make_experiment, make_linked_run, make_run
from simcash_db import (
    DatabaseManager,
    ExperimentEventRecord,
    ExperimentRepository,
    NotFoundError,
)
from simcash_db.connection import transaction


def event(n: int, iteration_no: int = 0, experiment_id: str = "exp-1") -> ExperimentEventRecord:
    return ExperimentEventRecord(
        experiment_id=experiment_id,
        iteration=iteration_no,
        event_type="policy_change",
        event_data={"n": n, "agent": "A", "delta": [1, 2, {"x": None}]},
        timestamp=f"t{n}",
    )


def test_experiment_round_trip_keeps_json_and_ints(repo: ExperimentRepository) -> None:
    config = {"agents": ["A", "B"], "nested": {"limit": 2**60, "ratio": 0.25, "on": True}}
    original = make_experiment(config=config, scenario_path="s.yaml", final_cost=5)
    repo.save_experiment(original)
    loaded = repo.load_experiment("exp-1")
    assert loaded == original
    assert loaded is not None
    assert loaded.config == config


def test_missing_experiment_loads_as_none(repo: ExperimentRepository) -> None:
    assert repo.load_experiment("nope") is None


def test_save_same_id_updates_in_place(repo: ExperimentRepository) -> None:
    repo.save_experiment(make_experiment())
    repo.save_experiment(make_experiment(experiment_name="renamed", num_iterations=4))
    (only,) = repo.list_experiments()
    assert (only.experiment_name, only.num_iterations) == ("renamed", 4)


def test_aware_timestamps_are_stored_as_utc(repo: ExperimentRepository) -> None:
    plus_two = timezone(timedelta(hours=2))
    repo.save_experiment(make_experiment(created_at=datetime(2026, 1, 1, 14, tzinfo=plus_two)))
    loaded = repo.load_experiment("exp-1")
    assert loaded is not None
    assert loaded.created_at == datetime(2026, 1, 1, 12, tzinfo=UTC).replace(tzinfo=None)


def test_list_filters_by_type_newest_first(repo: ExperimentRepository) -> None:
    repo.save_experiment(make_experiment("old", created_at=BASE_TIME))
    repo.save_experiment(make_experiment("new", created_at=later(10)))
    repo.save_experiment(make_experiment("other", experiment_type="sweep", created_at=later(5)))
    assert [e.experiment_id for e in repo.list_experiments()] == ["new", "other", "old"]
    assert [e.experiment_id for e in repo.list_experiments("policy_search")] == ["new", "old"]
    assert repo.list_experiments("none") == []


def test_iterations_come_back_ordered_and_replaced(repo: ExperimentRepository) -> None:
    repo.save_experiment(make_experiment())
    for n in (2, 0, 1):
        repo.save_iteration(iteration(n))
    replaced = iteration(1).model_copy(update={"accepted_changes": {"A": "rejected"}})
    repo.save_iteration(replaced)
    stored = repo.get_iterations("exp-1")
    assert [i.iteration for i in stored] == [0, 1, 2]
    assert stored[1] == replaced
    assert stored[0].costs_per_agent == {"A": 1000, "B": 2000}


def test_events_get_sequence_ids_and_filter_by_iteration(repo: ExperimentRepository) -> None:
    repo.save_experiment(make_experiment())
    ids = [repo.save_event(event(n, iteration_no=n % 2)) for n in range(5)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert [e.event_data["n"] for e in repo.get_events("exp-1", 1)] == [1, 3]  # type: ignore[index,call-overload]
    everything = repo.get_all_events("exp-1")
    assert [e.event_data["n"] for e in everything] == [0, 2, 4, 1, 3]  # type: ignore[index,call-overload]
    assert everything[0].event_data == {"n": 0, "agent": "A", "delta": [1, 2, {"x": None}]}


def test_event_for_unknown_experiment_is_refused(repo: ExperimentRepository) -> None:
    with pytest.raises(NotFoundError):
        repo.save_event(event(0, experiment_id="ghost"))


def populate(db: DatabaseManager, repo: ExperimentRepository, experiment_id: str) -> None:
    repo.save_experiment(make_experiment(experiment_id))
    for n in range(2):
        sim = f"{experiment_id}-iter{n}-evaluation"
        db.save_simulation_run(make_linked_run(experiment_id, n))
        db.conn.execute(
            "INSERT INTO simulation_events VALUES (?, 0, 0, 0, 'Arrival', 'A', 'tx', '{}')", [sim]
        )
        db.conn.execute("INSERT INTO tick_queue_snapshots VALUES (?, 'A', 0, 'q1', 0, 'tx')", [sim])
        db.conn.execute(
            "INSERT INTO policy_snapshots VALUES (?, 'A', 0, 0, 'h', '{}', 'init')", [sim]
        )
        repo.save_iteration(iteration(n, sim, experiment_id))
        repo.save_event(event(n, n, experiment_id))


def rows_of(db: DatabaseManager) -> dict[str, int]:
    return {t: n for t, n in db.table_counts().items() if n}


def test_delete_experiment_removes_everything_it_owns(
    db: DatabaseManager, repo: ExperimentRepository
) -> None:
    populate(db, repo, "keep")
    before = rows_of(db)
    populate(db, repo, "drop-me")
    db.save_simulation_run(make_run("standalone"))
    assert repo.delete_experiment("drop-me") is True
    after = rows_of(db)
    after["simulation_runs"] -= 1  # the standalone run stays
    assert after == before
    assert repo.load_experiment("drop-me") is None
    assert db.get_simulation_run("standalone") is not None
    assert repo.delete_experiment("drop-me") is False


def test_interrupted_delete_can_be_run_again(
    db: DatabaseManager, repo: ExperimentRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(db, repo, "exp-1")
    import simcash_db.deletion as deletion

    calls = {"n": 0}
    real = deletion.transaction

    def failing_transaction(conn: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("interrupted")
        return real(conn)

    monkeypatch.setattr(deletion, "transaction", failing_transaction)
    with pytest.raises(RuntimeError, match="interrupted"):
        repo.delete_experiment("exp-1")
    monkeypatch.setattr(deletion, "transaction", real)
    # Nothing dangles after the interruption...
    assert db.conn.execute(
        "SELECT count(*) FROM experiment_iterations i LEFT JOIN simulation_runs r "
        "ON i.evaluation_simulation_id = r.simulation_id WHERE r.simulation_id IS NULL"
    ).fetchone() == (0,)
    # ...and running it again finishes the job.
    repo.delete_experiment("exp-1")
    assert rows_of(db) == {}


def test_transaction_rolls_back_on_error(db: DatabaseManager) -> None:
    with pytest.raises(ZeroDivisionError), transaction(db.conn):
        db.save_simulation_run.__self__.conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO simulation_events VALUES ('s', 0, 0, 0, 'X', NULL, NULL, '{}')"
        )
        _ = 1 / 0
    assert db.table_counts()["simulation_events"] == 0
