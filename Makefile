# The one way to do each thing; README.md and .ci/run use these targets.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: help demo venv build-dev build-prod sdist wheel wheel-check docs lint lint-python lint-rust test test-python test-rust test-slow bench bench-replay bench-overhead bench-overhead-real bench-farm bench-serve bench-pytest docs-chart docs-screenshots clean

help:
	@echo "demo       install the package with its [plot] extra only, record a synthetic experiment into $(DB), show it, draw its chart"
	@echo "build-dev  install the package (Rust extension, release build) with all extras into $(VENV)"
	@echo "sdist      the source distribution, into dist/"
	@echo "wheel      a manylinux_2_17 wheel built from the sdist (maturin + zig), checked by auditwheel"
	@echo "wheel-check  the wheel installed into a fresh venv without Rust, and used (CI runs this)"
	@echo "docs       the documentation site (mkdocs --strict) into site/"
	@echo "lint       ruff, mypy --strict, stubtest, import-linter, cargo fmt --check, cargo clippy -D warnings"
	@echo "test       build-dev, then pytest and cargo test"
	@echo "test-slow  the long variants (hypothesis 'slow' profile, marker 'slow')"
	@echo "bench      print the ingest ratio table (benches/ingest.py)"
	@echo "bench-replay  print the replay ratio table (benches/replay.py)"
	@echo "bench-overhead  print the recording overhead table on the stand-in simulator (benches/overhead.py)"
	@echo "bench-overhead-real  the same on the real simulator (benches/overhead_real.py; needs its wheel)"
	@echo "bench-farm    print the farm and merge table (benches/farm.py)"
	@echo "bench-serve   print the dashboard's load table and what watching costs a real recording (benches/serve.py)"
	@echo "bench-pytest  the pytest-benchmark groups (encode, ingest)"
	@echo "docs-chart the README's chart (docs/cost-curve.png) from a fresh demo database"
	@echo "docs-screenshots  the dashboard's screenshots in docs/screenshots (the browser test takes them)"

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

venv: $(PY)

# pip builds the Rust extension through maturin (release profile).
build-dev: venv
	@echo "building simcash-db into $(VENV) (the Rust extension takes about two minutes the first time)"
	$(PY) -m pip install --progress-bar on -e '.[test,lint,bench,docs]'

build-prod: wheel

# Packaging tools in a venv of their own: maturin, zig (the linker that targets
# glibc 2.17 from any machine) and auditwheel. PYTHON is the interpreter the
# wheel is for; one wheel per CPython version (see docs/install.md).
BUILD_VENV ?= .venv-build
PYTHON ?= python3.11

$(BUILD_VENV)/bin/maturin:
	python3 -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/pip install -q --disable-pip-version-check \
		'maturin==1.16.0' 'ziglang==0.17.1' 'auditwheel==6.8.2'

sdist: $(BUILD_VENV)/bin/maturin
	$(BUILD_VENV)/bin/python packaging/build.py sdist

wheel: $(BUILD_VENV)/bin/maturin
	$(BUILD_VENV)/bin/python packaging/build.py wheel --python $(PYTHON)

wheel-check: wheel
	PYTHON=$(PYTHON) packaging/check_wheel.sh dist/simcash_db-*.whl

# The documentation site into site/ (tests/test_docs_site.py checks it offline in Chromium).
docs: build-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

lint: lint-python lint-rust

lint-python: build-dev
	$(BIN)/ruff check python tests benches repro packaging
	$(BIN)/ruff format --check python tests benches repro packaging
	$(BIN)/mypy
	$(PY) -m mypy.stubtest simcash_db._native
	$(BIN)/lint-imports

lint-rust:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

test: test-python test-rust

test-python: build-dev
	$(PY) -m pytest

test-rust:
	cargo test --lib --quiet

test-slow: build-dev
	HYPOTHESIS_PROFILE=slow $(PY) -m pytest -m 'slow or not slow' tests/test_load.py \
		tests/test_fuzz_encoders.py tests/test_event_roundtrip.py tests/test_simulation_ids.py \
		tests/test_crash_safety.py

DB ?= simulation_data.duckdb

# The main job: a synthetic experiment stored into $(DB), then what it holds
# and its cost curve. Only the runtime and the [plot] extra are installed.
demo: venv
	@echo "installing simcash-db with its [plot] extra into $(VENV) (the Rust extension takes about two minutes the first time)"
	$(PY) -m pip install -q -e '.[plot]'
	$(BIN)/simcash-db --db $(DB) demo
	$(BIN)/simcash-db --db $(DB) chart demo -o demo-cost-curve.png
	@echo "the command is $(BIN)/simcash-db (or run: . $(VENV)/bin/activate, then simcash-db ...)"

bench: build-dev
	$(PY) benches/ingest.py

bench-replay: build-dev
	$(PY) benches/replay.py

bench-farm: build-dev
	$(PY) benches/farm.py

bench-overhead: build-dev
	$(PY) benches/overhead.py

bench-overhead-real: build-dev
	$(PY) benches/overhead_real.py

# The README's chart: the demo's cost curve (a fresh demo database in /tmp).
docs-chart: build-dev
	rm -f /tmp/simcash-docs.duckdb /tmp/simcash-docs.duckdb.wal
	$(BIN)/simcash-db --db /tmp/simcash-docs.duckdb demo > /dev/null
	$(BIN)/simcash-db --db /tmp/simcash-docs.duckdb chart demo -o docs/cost-curve.png

bench-serve: build-dev
	$(PY) benches/serve.py --watch-real

# The dashboard's screenshots in docs/ (the browser test writes them).
docs-screenshots: build-dev
	SIMCASH_DB_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/test_serve_browser.py

bench-pytest: build-dev
	$(PY) -m pytest benches --benchmark-enable --benchmark-only -p no:randomly

clean:
	rm -rf $(VENV) $(BUILD_VENV) site target dist .pytest_cache .mypy_cache .ruff_cache
