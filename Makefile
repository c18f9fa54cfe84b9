# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres install migrate worker lint lock bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or set PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Exact versions with hashes from the lockfile (plain pip), then the project itself without dependencies.
$(STAMP): requirements-dev.lock pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(VENV)/bin/dueprocess migrate

run: $(STAMP)
	@mkdir -p var
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess migrate
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess seed-facilities
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess dev-bootstrap
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess serve --host $(HOST) --port $(PORT)

# A job worker (PostgreSQL: DATABASE_URL=postgresql+psycopg://...); run one per machine, or several.
worker: $(STAMP)
	$(VENV)/bin/dueprocess worker $(if $(QUEUES),--queues $(QUEUES)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY))

# The whole suite on SQLite; then on PostgreSQL only if TEST_DATABASE_URL was given (make test-postgres runs
# it with the default URL above).
test: $(STAMP)
	DP_TEST_BACKEND=sqlite $(VENV)/bin/pytest $(PYTEST_ARGS)
	@if [ "$(origin TEST_DATABASE_URL)" != "file" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped (make test-postgres)"; fi

test-sqlite: $(STAMP)
	DP_TEST_BACKEND=sqlite $(VENV)/bin/pytest $(PYTEST_ARGS)

# The suite on PostgreSQL; each test session creates and drops its own scratch database next to this URL.
test-postgres: $(STAMP)
	DP_TEST_BACKEND=postgres TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Schema fuzzing of a live server for every role's token (schemathesis); FUZZ_EXAMPLES cases per operation.
FUZZ_EXAMPLES ?= 5
.PHONY: fuzz
fuzz: $(STAMP)
	$(PY) bench/schemathesis_run.py --max-examples $(FUZZ_EXAMPLES)

# Import-linter contracts run when the repository declares them (.importlinter or [tool.importlinter]).
lint: $(STAMP)
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy app
	@if [ -f .importlinter ] || grep -q '^\[tool\.importlinter' pyproject.toml; then \
		$(VENV)/bin/lint-imports; \
	else echo "no import-linter contracts declared: lint-imports skipped"; fi

# Regenerate the lockfiles after a change to the dependencies in pyproject.toml (pip-tools, hashes included).
LOCK_FLAGS = --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links
lock: | $(VENV)/bin/python
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --extra test --extra dev --output-file requirements-dev.lock pyproject.toml

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
