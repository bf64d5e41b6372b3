"""The unified schema: created from the models, validated, versioned."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from factories import make_run
from simcash_db import DatabaseManager, SchemaError, SchemaVersionError
from simcash_db.models import ALL_MODELS
from simcash_db.schema import META_TABLE, SCHEMA_VERSION, table_columns
from simcash_db.workload import catalog_events


def columns_of(db: DatabaseManager, table: str) -> dict[str, str]:
    rows = db.conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
        [table],
    ).fetchall()
    return dict(rows)


class TestUnifiedSchemaCreation:
    def test_experiment_tables_exist_with_their_columns(self, db: DatabaseManager) -> None:
        assert set(columns_of(db, "experiments")) >= {
            "experiment_id",
            "experiment_name",
            "experiment_type",
            "config",
            "master_seed",
            "created_at",
            "converged",
            "final_cost",
            "best_cost",
        }
        assert set(columns_of(db, "experiment_iterations")) == {
            "experiment_id",
            "iteration",
            "costs_per_agent",
            "accepted_changes",
            "policies",
            "timestamp",
            "evaluation_simulation_id",
        }
        assert set(columns_of(db, "experiment_events")) == {
            "id",
            "experiment_id",
            "iteration",
            "event_type",
            "event_data",
            "timestamp",
        }

    def test_simulation_runs_carry_the_experiment_link(self, db: DatabaseManager) -> None:
        columns = columns_of(db, "simulation_runs")
        assert columns["experiment_id"] == "VARCHAR"
        assert columns["iteration"] == "BIGINT"
        assert columns["sample_index"] == "BIGINT"
        assert columns["run_purpose"] == "VARCHAR"

    def test_every_model_table_matches_its_model(self, db: DatabaseManager) -> None:
        for model in ALL_MODELS:
            found = columns_of(db, model.table_name)
            assert list(found) == [c.name for c in table_columns(model)], model.table_name
            for column in table_columns(model):
                assert found[column.name] == column.sql_type, (model.table_name, column.name)

    def test_money_columns_are_bigint(self, db: DatabaseManager) -> None:
        money = [(m.table_name, c) for m in ALL_MODELS for c in table_columns(m) if c.money]
        assert len(money) > 40
        for table, column in money:
            assert columns_of(db, table)[column.name] == "BIGINT", (table, column.name)

    def test_json_columns_use_the_json_type(self, db: DatabaseManager) -> None:
        assert columns_of(db, "experiments")["config"] == "JSON"
        assert columns_of(db, "simulation_events")["details"] == "JSON"

    def test_event_details_are_stored_zstd_compressed(self, db_path: Path) -> None:
        with DatabaseManager(db_path) as db:
            db.setup()
            db.save_simulation_run(make_run("sim-z"))
            db.write_events("sim-z", list(catalog_events(3, 5_000)))
            db.conn.execute("CHECKPOINT")
            methods = db.conn.execute(
                "SELECT DISTINCT compression FROM pragma_storage_info('simulation_events') "
                "WHERE column_name = 'details' AND segment_type = 'JSON'"
            ).fetchall()
        assert methods == [("ZSTD",)]

    def test_setup_is_idempotent_and_records_the_version(self, db: DatabaseManager) -> None:
        db.setup()
        db.initialize_schema()
        assert db.is_initialized()
        assert db.schema_version() == SCHEMA_VERSION

    def test_new_database_is_not_initialized_until_setup(self) -> None:
        with DatabaseManager(":memory:") as fresh:
            assert not fresh.is_initialized()
            fresh.setup()
            assert fresh.is_initialized()
            # setup skips validating a schema it has just made: it must match.
            assert fresh.schema_mismatches() == []

    def test_force_recreate_drops_our_data_but_not_foreign_tables(
        self, db: DatabaseManager
    ) -> None:
        db.conn.execute("CREATE TABLE user_notes (note VARCHAR)")
        db.conn.execute("INSERT INTO user_notes VALUES ('keep me')")
        db.conn.execute(
            "INSERT INTO experiments (experiment_id, experiment_name, experiment_type, config,"
            " master_seed, created_at) VALUES ('e', 'n', 't', '{}', 1, now())"
        )
        db.initialize_schema(force_recreate=True)
        assert db.table_counts()["experiments"] == 0
        assert db.conn.execute("SELECT note FROM user_notes").fetchall() == [("keep me",)]
        assert db.validate_schema()

    def test_schema_persists_across_reopen(self, db_path: Path) -> None:
        with DatabaseManager(db_path) as first:
            first.setup()
        with DatabaseManager(db_path) as second:
            assert second.is_initialized()
            second.setup()


class TestSchemaValidation:
    def test_dropped_column_is_reported(self, db: DatabaseManager) -> None:
        db.conn.execute("ALTER TABLE transactions DROP COLUMN delay_cost")
        mismatches = db.schema_mismatches()
        assert [(m.table, m.kind, m.column) for m in mismatches] == [
            ("transactions", "missing_column", "delay_cost")
        ]
        assert db.validate_schema() is False
        with pytest.raises(SchemaError) as err:
            db.setup()
        assert "transactions.delay_cost: missing_column" in str(err.value)
        assert err.value.mismatches == mismatches

    def test_extra_mistyped_and_missing_are_all_listed(self, db: DatabaseManager) -> None:
        db.conn.execute("ALTER TABLE tick_agent_states ADD COLUMN surprise INTEGER")
        db.conn.execute("ALTER TABLE daily_agent_metrics ALTER total_cost TYPE DOUBLE")
        db.conn.execute("DROP TABLE lsm_cycles")
        found = {(m.table, m.kind, m.column) for m in db.schema_mismatches()}
        assert found == {
            ("tick_agent_states", "extra_column", "surprise"),
            ("daily_agent_metrics", "wrong_type", "total_cost"),
            ("lsm_cycles", "missing_table", None),
        }

    def test_money_column_turned_float_is_a_mismatch(self, db: DatabaseManager) -> None:
        db.conn.execute("ALTER TABLE tick_agent_states ALTER balance TYPE DOUBLE")
        (mismatch,) = db.schema_mismatches()
        assert (mismatch.expected, mismatch.found) == ("BIGINT", "DOUBLE")


class TestSchemaVersion:
    def test_other_version_is_refused_without_touching_data(self, db_path: Path) -> None:
        with DatabaseManager(db_path) as db:
            db.setup()
            db.conn.execute(f"UPDATE {META_TABLE} SET value = '999' WHERE key = 'schema_version'")
        with DatabaseManager(db_path) as db, pytest.raises(SchemaVersionError) as err:
            db.setup()
        assert "schema version 999" in str(err.value)
        assert f"uses version {SCHEMA_VERSION}" in str(err.value)
        with DatabaseManager(db_path) as db:
            assert db.schema_version() == 999
            with pytest.raises(SchemaVersionError):
                db.initialize_schema()

    def test_our_tables_without_a_version_are_refused(self, db_path: Path) -> None:
        conn = duckdb.connect(str(db_path))
        conn.execute("CREATE TABLE experiments (experiment_id VARCHAR)")
        conn.close()
        with DatabaseManager(db_path) as db, pytest.raises(SchemaVersionError, match="no recorded"):
            db.setup()

    def test_a_database_path_must_be_a_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        connection = duckdb.connect()
        with pytest.raises(TypeError, match="must be a str or a Path, not DuckDBPyConnection"):
            DatabaseManager(connection)  # type: ignore[arg-type]
        assert list(tmp_path.iterdir()) == []  # no file named after the object

    def test_read_only_open_of_an_empty_database_says_so(self, db_path: Path) -> None:
        duckdb.connect(str(db_path)).close()
        with DatabaseManager(db_path, read_only=True) as db, pytest.raises(SchemaError):
            db.setup()
