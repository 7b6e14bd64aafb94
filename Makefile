# Recoup: `make run` serves the app with demo data; `make test` runs lint and the whole suite.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.12 2>/dev/null || (command -v pyenv >/dev/null && pyenv which python3.12 2>/dev/null) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
RECOUP := $(BIN)/recoup
DEMO_INVOICES ?= 20000
PYTEST_ARGS ?=
# The suite on both cores, a test module per worker; the server, browser and concurrency tests
# (SERVER_TESTS) run alone after it, since they measure waits and start servers.
PARALLEL ?= -n 2 --dist loadfile

.PHONY: help run test lint test-sqlite test-postgres bench setup setup-dev clean

help:
	@echo "make run    set up, create the embedded database, load demo data once, serve on :8000"
	@echo "make test   set up, lint, and run the whole suite on SQLite and on PostgreSQL"
	@echo "make bench  run the benchmarks in bench/ beside their baselines"
	@echo "make lint   ruff, mypy --strict, import-linter"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

run: setup
	$(RECOUP) migrate --noinput -v0
	$(RECOUP) demo-data --invoices $(DEMO_INVOICES) --seed 1 --if-empty
	$(RECOUP) demo-okrs --if-empty
	$(RECOUP) demo-login
	$(RECOUP) serve --host 127.0.0.1 --port 8000

lint: setup-dev
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

# The browser tests, the web import and the parallel log-ins run against a database file (a
# background import, the pages and concurrent requests then read and write as in production); the
# rest on Django's faster in-memory database. The browser tests drive pages, whose reads and
# writes the suite tests on both databases: they run once, on the embedded database `make run`
# serves (decision 0032); the server tests that race for the database run on both.
BROWSER_TESTS := tests/e2e
SERVER_TESTS := tests/web/test_import_page.py tests/web/test_login_race.py \
	tests/ingest/test_import_concurrency.py tests/ingest/test_killed_imports.py \
	tests/metrics/test_concurrent_reads.py tests/metrics/test_answers_by_data.py
ALONE := $(BROWSER_TESTS) $(SERVER_TESTS)
# Tests that read no database (the compiled SQL of every KPI against its snapshot) run once.
NO_DATABASE := tests/metrics/test_compiled_sql.py
# The slowest tests, printed after each run: where the suite's time goes.
DURATIONS := --durations=15

test-sqlite: setup-dev
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS) $(DURATIONS) $(PARALLEL) $(addprefix --ignore=,$(ALONE))
	env -u DATABASE_URL RECOUP_TEST_DATABASE_FILE=1 $(BIN)/pytest $(PYTEST_ARGS) $(DURATIONS) $(ALONE)

test-postgres: setup-dev
	scripts/with-postgres $(BIN)/pytest $(PYTEST_ARGS) $(DURATIONS) $(PARALLEL) $(addprefix --ignore=,$(ALONE) $(NO_DATABASE))
	scripts/with-postgres $(BIN)/pytest $(PYTEST_ARGS) $(DURATIONS) $(SERVER_TESTS)

test: lint test-sqlite test-postgres

bench: setup-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
