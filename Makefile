# The README's commands. `make run` and `make test` set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run lint mypy-baseline test test-fast bench bench-full lock system-deps clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@PYTHON=$(PYTHON) ./scripts/system-deps build
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: install
	$(BIN)/photoshelf serve --host $(HOST) --port $(PORT)

# The same checks as .pre-commit-config.yaml: ruff, mypy against its baseline, the import
# contracts ([tool.importlinter] in pyproject.toml). See docs/development.md.
LINT_PATHS := src tests benchmarks scripts

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/python scripts/mypy-baseline
	$(BIN)/lint-imports

# Accept mypy's current errors as known (after fixing some, or when moving code); commit it.
mypy-baseline: install
	$(BIN)/python scripts/mypy-baseline --update

# Debian packages: the MySQL driver's build needs, and what the tests drive (Chromium,
# exiftool, PostgreSQL, MariaDB, docker-compose); installed only when root and missing.
system-deps:
	@PYTHON=$(PYTHON) ./scripts/system-deps

# The whole suite, every backend, on TEST_WORKERS processes (pytest-xdist; `auto`: one per
# core). loadgroup keeps a module's tests on one worker when they share a module-scoped fixture
# (tests/conftest.py marks them). Coverage of photoshelf, branches too, measured in the pytest
# processes ([tool.coverage] in pyproject.toml); below fail_under the run fails.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadgroup

test: system-deps install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

# The quick loop: SQLite and local storage only, no browser, no real servers (photoshelf serve,
# PostgreSQL, MariaDB, S3), not the `slow` modules (see tests/conftest.py). No coverage.
test-fast: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --backends sqlite-local \
		-m "not e2e and not real_servers and not slow" $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The gallery at 1M rows on SQLite and PostgreSQL too.
bench-full: install
	$(BIN)/python -m benchmarks --full $(BENCH_ARGS)

# Re-pin every dependency (needs network to PyPI); commit both lock files afterwards
# (requirements-runtime.lock, without the test tools, is what the Dockerfile installs).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -c requirements.lock -o requirements-runtime.lock

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .coverage .coverage.*
