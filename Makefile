# Claimdesk: `make run` serves the app on SQLite with the seed loaded; `make test` runs the suite.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist); JOBS=1 runs the suite in one process.
JOBS ?= 2

# Django 6.1 needs Python >= 3.12: honour PYTHON=, else the first suitable interpreter found.
PYTHON ?= $(shell scripts/find-python)

.PHONY: help venv install run test lint format check bench screenshots clean

help:
	@echo "make run     set up and serve Claimdesk on http://$(HOST):$(PORT) (SQLite, seed loaded;"
	@echo "             HOST= and PORT= choose the address, e.g. make run PORT=8001)"
	@echo "make test    set up and run the test suite (DATABASE_URL= selects PostgreSQL)"
	@echo "make lint    ruff check and format check"
	@echo "make format  apply ruff fixes and formatting"
	@echo "make bench   run the benchmark on PostgreSQL (see README, Performance)"
	@echo "make screenshots  run the browser tests and refresh the README's screenshots in docs/"

$(PY):
	@if [ -z "$(PYTHON)" ]; then scripts/find-python >/dev/null; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py load_seeds
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py rebuild_published
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py ensure_dev_login --site http://$(HOST):$(PORT)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest -n $(JOBS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

screenshots: install
	CLAIMDESK_SCREENSHOTS=docs $(PY) -m pytest -m browser $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
