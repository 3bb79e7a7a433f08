# Guichet ESS — `make run` and `make test` do all the set-up on a bare machine with Python >= 3.11.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed

.PHONY: install run serve setup test lint format check bench clean faults prod-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

setup: install
	mkdir -p var
	@$(MANAGE) migrate --noinput || { echo "migrate failed. A var/guichet.sqlite3 made before the apps were reorganised (accounts/, curation/) cannot be migrated: 'make clean' then 'make run' builds it again." >&2; exit 1; }
	$(MANAGE) load_territories
	$(MANAGE) load_demo
	$(MANAGE) load_demo_curators
	$(MANAGE) compute_white_zones

run: setup
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production faults (Redis stopped, broker refusing, worker killed mid-send, database refused) against gunicorn
# under portal.settings.prod; uses DATABASE_URL's server when it is PostgreSQL (a <name>_faults database).
faults: install
	$(BIN)/python -m pytest -m faults tests/faults $(PYTEST_ARGS)

# The production settings on this machine's PostgreSQL and Redis: gunicorn (2 web processes), a worker, beat;
# health endpoints and a few pages checked, then everything stopped. See deploy/README.md.
prod-check: install
	PYTHON=$(BIN)/python deploy/prod-check.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var/guichet.sqlite3* var/staticfiles
