# govdata — two commands: `make run` serves the platform with the demo city, `make test` runs the suite.
# Both work on a fresh machine with Python 3.11, make and Node.js/npm. Set DATABASE_URL=postgresql://…
# to use PostgreSQL instead of the SQLite file under var/, REDIS_URL=redis://… for the Redis queue.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
TEST_ARGS ?=

.PHONY: run test test-browser setup setup-dev assets messages migrate demo lint format bench clean help

help:
	@echo "make run           set up, load the demo city and serve on http://$(HOST):$(PORT)/"
	@echo "make test          run the whole test suite (TEST_ARGS='…' passes options to pytest)"
	@echo "make test-browser  run the browser tests only (Debian's chromium)"
	@echo "make lint          ruff check, format check, mypy on core and the services"
	@echo "make bench         run the benchmarks, write docs/benchmarks.md"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(VENV)/bin/activate
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(VENV)/bin/activate
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed assets messages
setup-dev: $(VENV)/.installed-dev assets messages

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/dist/.built: node_modules/.package-lock.json scripts/build-assets.mjs static/src/*
	node scripts/build-assets.mjs

assets: static/dist/.built

messages: | $(VENV)/bin/activate
	$(PY) -m babel.messages.frontend compile --domain django --directory locale --use-fuzzy --statistics 2>&1 | tail -n 2

migrate: setup
	$(PY) manage.py migrate --no-input -v 0

demo: migrate
	$(PY) manage.py load_demo --if-empty

run: demo
	$(PY) manage.py collectstatic --no-input -v 0
	@$(PY) manage.py demo_accounts --address http://$(HOST):$(PORT)/
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py run_huey --workers 1 --worker-type thread & \
	  $(VENV)/bin/gunicorn govdata.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - --log-level warning

test: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest $(TEST_ARGS)

test-browser: setup-dev
	$(PY) -m pytest -m browser $(TEST_ARGS)

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: setup-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Set BENCH_DATABASE_URL=postgresql://… to measure on PostgreSQL as well (a scratch database).
bench: setup-dev
	$(PY) benchmarks/run.py
	@if [ -n "$(BENCH_DATABASE_URL)" ]; then BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) benchmarks/run.py; fi
	$(PY) benchmarks/catalog_search.py
	@if [ -n "$(BENCH_DATABASE_URL)" ]; then BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) benchmarks/catalog_search.py; fi
	$(PY) benchmarks/dataplane_load.py
	@if [ -n "$(BENCH_DATABASE_URL)" ]; then BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) benchmarks/dataplane_load.py; fi

clean:
	rm -rf $(VENV) node_modules static/dist var/static
