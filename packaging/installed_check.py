"""Use an installed simcash-db as a user would (run by packaging/check_wheel.sh).

It runs in a fresh venv holding only the wheel and its runtime dependencies,
from a scratch folder, with no Rust on PATH: the import, the version, a short
demo, a write-and-read round trip, and that nothing of the test or dev tools
is installed or loaded.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

# What the suite, the linters and the benches use; none may come with the wheel.
DEV_DISTRIBUTIONS = {
    "pytest", "pytest-benchmark", "hypothesis", "pyarrow", "playwright", "pyspark",
    "distributed", "dask", "orjson", "ruff", "mypy", "import-linter", "maturin",
    "matplotlib", "mkdocs", "mkdocs-material", "mkdocstrings", "starlette", "uvicorn",
    "httpx2",
}  # fmt: skip
DEV_MODULES = {name.replace("-", "_") for name in DEV_DISTRIBUTIONS} | {"importlinter"}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok: {message}")


def cli(*args: str) -> str:
    done = subprocess.run(["simcash-db", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"FAILED: simcash-db {' '.join(args)}:\n{done.stderr}")
    return done.stdout


def main() -> None:
    check(shutil.which("cargo") is None and shutil.which("rustc") is None, "no Rust on PATH")
    import simcash_db

    installed = Path(simcash_db.__file__).resolve()
    check("site-packages" in installed.parts, f"simcash_db comes from the venv ({installed})")
    version = importlib.metadata.version("simcash-db")
    check(simcash_db.__version__ == version, f"simcash_db.__version__ is {version}")
    check(cli("--version").split() == ["simcash-db", version], "simcash-db --version agrees")

    package = Path(simcash_db.__path__[0])
    for module in pkgutil.walk_packages([str(package)], "simcash_db."):
        if not module.name.startswith("simcash_db.serve"):  # the [serve] extra's
            importlib.import_module(module.name)
    loaded = sorted(DEV_MODULES & {name.split(".")[0] for name in sys.modules})
    check(not loaded, f"every simcash_db module imports with no dev module loaded {loaded}")
    serve = package / "serve"
    shipped = [serve / "templates" / "base.html", serve / "static" / "live.js"]
    check(all(path.is_file() for path in shipped), "the dashboard's templates and script ship")
    names = {dist.metadata["Name"].lower() for dist in importlib.metadata.distributions()}
    check(not names & DEV_DISTRIBUTIONS, f"no dev distribution installed {sorted(names)}")

    from simcash_db import DatabaseManager, SimulationRunRecord

    events = [
        {"event_type": "Arrival", "tick": t, "tx_id": f"tx{t}", "sender_id": "BANK_A",
         "receiver_id": "BANK_B", "amount": 150_000 + t, "deadline": 40, "priority": 5,
         "is_divisible": False}
        for t in range(1_000)
    ]  # fmt: skip
    with DatabaseManager("roundtrip.duckdb") as db:
        db.setup()
        run = {"simulation_id": "run-1", "config_name": "c.yaml", "config_hash": "ab",
               "start_time": "2026-01-01T00:00:00", "ticks_per_day": 100, "num_days": 10,
               "rng_seed": 1, "status": "completed"}  # fmt: skip
        db.save_simulation_run(SimulationRunRecord.model_validate(run))
        db.write_events("run-1", events, batch_id="all")
    with DatabaseManager("roundtrip.duckdb", read_only=True) as db:
        check(db.get_events("run-1") == events, "1,000 events written, closed, read back equal")

    served = subprocess.run(["simcash-db", "--db", "roundtrip.duckdb", "serve"],
                            capture_output=True, text=True)  # fmt: skip
    check(served.returncode == 1 and "simcash-db[serve]" in served.stderr,
          "without the extra, serve says in one line what to install")  # fmt: skip
    out = cli("--db", "demo.duckdb", "demo", "--iterations", "2", "--bootstrap-samples", "1",
              "--banks", "4", "--days", "1")  # fmt: skip
    check("demo" in out, "a short demo runs")
    replayed = cli("--db", "demo.duckdb", "replay", "demo-iter1-final").splitlines()
    check(len(replayed) > 0, f"the demo's final run replays ({len(replayed):,} events)")


if __name__ == "__main__":
    main()
