# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres install migrate lint bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or set PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(VENV)/bin/dueprocess migrate

run: $(STAMP)
	@mkdir -p var
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess migrate
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess seed-facilities
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess dev-bootstrap
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/dueprocess serve --host 127.0.0.1 --port 8000

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: $(STAMP)
	DP_TEST_BACKEND=sqlite $(VENV)/bin/pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
		DP_TEST_BACKEND=postgres $(VENV)/bin/pytest $(PYTEST_ARGS); \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy app

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
