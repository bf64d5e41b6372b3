"""INV-1 (money is exact integer cents) and INV-2 (seeds are stored)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from factories import make_experiment, make_run
from simcash_db import DatabaseManager, ExperimentRepository
from simcash_db.models import I64_MAX


class TestInvariantCompliance:
    def test_costs_are_bigint_columns(self, db: DatabaseManager) -> None:
        types = dict(
            db.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'experiments'"
            ).fetchall()
        )
        assert types["final_cost"] == "BIGINT"
        assert types["best_cost"] == "BIGINT"

    @pytest.mark.parametrize("cost", [0, 1, 2**53 + 1, I64_MAX])
    def test_costs_come_back_as_exact_ints(self, repo: ExperimentRepository, cost: int) -> None:
        repo.save_experiment(make_experiment(final_cost=cost, best_cost=cost))
        loaded = repo.load_experiment("exp-1")
        assert loaded is not None
        assert loaded.final_cost == cost
        assert type(loaded.final_cost) is int

    @pytest.mark.parametrize("bad", [1.5, 100.0, True, "100", None.__class__])
    def test_non_int_cost_is_rejected(self, bad: object) -> None:
        with pytest.raises(ValidationError, match="final_cost"):
            make_experiment(final_cost=bad)

    def test_negative_or_oversized_cost_is_rejected(self) -> None:
        with pytest.raises(ValidationError):
            make_experiment(final_cost=-1)
        with pytest.raises(ValidationError):
            make_experiment(best_cost=I64_MAX + 1)

    def test_float_money_in_a_run_is_rejected(self) -> None:
        with pytest.raises(ValidationError, match="total_cost"):
            make_run(total_cost=10.0)

    def test_master_seed_is_stored(self, repo: ExperimentRepository) -> None:
        repo.save_experiment(make_experiment(master_seed=2**62 + 3))
        loaded = repo.load_experiment("exp-1")
        assert loaded is not None
        assert loaded.master_seed == 2**62 + 3

    def test_rng_seed_is_stored(self, db: DatabaseManager) -> None:
        db.save_simulation_run(make_run(rng_seed=-12345))
        run = db.get_simulation_run("sim-1")
        assert run is not None
        assert run.rng_seed == -12345

    def test_every_validation_error_is_listed_with_its_location(self) -> None:
        with pytest.raises(ValidationError) as err:
            make_run(total_cost=1.5, rng_seed="seven", run_purpose="rehearsal")
        locations = {e["loc"][0] for e in err.value.errors()}
        assert locations == {"total_cost", "rng_seed", "run_purpose"}
