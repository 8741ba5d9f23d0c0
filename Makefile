# Ravoos Pansy: `make run` serves the API with demo data, `make test` runs the suite.

PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help install run migrate seed test lint format check serve-prod bench costs clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv (Python 3.13) and install every requirement

migrate: install ## Apply database migrations
	$(BIN)/python manage.py migrate --noinput

seed: migrate ## Load the demo catalog, coupons and logins (idempotent)
	$(BIN)/python manage.py seed_demo

run: seed ## Install, migrate, load demo data and serve on 127.0.0.1:$PORT
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install ## Run the whole test suite (DATABASE_URL picks the database)
	$(BIN)/pytest $(PYTEST_ARGS)

check: install ## Django system checks and the OpenAPI schema validation
	$(BIN)/python manage.py check
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

lint: install ## ruff check, ruff format --check and the migrations gate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

format: install ## Format and autofix the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve-prod: install ## Serve as the image does: DEBUG off (set SECRET_KEY), static files, migrate, gunicorn
	PATH="$(CURDIR)/$(BIN):$$PATH" DEBUG=false python manage.py collectstatic --noinput
	PATH="$(CURDIR)/$(BIN):$$PATH" DEBUG=false SECURE_SSL_REDIRECT=false bin/start-web

bench: install ## Load-test the production server with wrk (docs/benchmarks.md)
	@command -v wrk >/dev/null || { \
		echo "Installing wrk"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

costs: install ## Each route's CPU time, SQL and Redis round trips per request, in-process
	$(BIN)/python -m bench.costs $(BENCH_ARGS)

clean: ## Remove the virtual environment, caches and the SQLite database
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis db.sqlite3 staticfiles
