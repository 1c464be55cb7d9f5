# Points Admin — the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_ADDR ?= 127.0.0.1:8000
SANDBOX_PORT ?= 8765

.PHONY: demo test lint format messages install

# The virtualenv is rebuilt when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

.env:
	$(PY) scripts/write_demo_env.py

## The dashboard with demo data: sandbox vendors on :$(SANDBOX_PORT), dashboard on http://$(DEMO_ADDR)/
demo: $(VENV)/.installed .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_setup --sandbox-url http://127.0.0.1:$(SANDBOX_PORT)
	@echo "Open http://$(DEMO_ADDR)/ and log in as support, manager or admin (password: demo-password). Ctrl-C stops both servers."
	@trap 'kill 0' EXIT; \
	  $(PY) -m sandbox --host 127.0.0.1 --port $(SANDBOX_PORT) & \
	  $(PY) manage.py runserver $(DEMO_ADDR)

## The whole test suite: lint, security lint, then pytest on SQLite + local memory and on PostgreSQL + Redis.
test: $(VENV)/.installed
	bash scripts/run_tests.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Refresh the translation catalogues after changing user-facing text (needs gettext).
messages: $(VENV)/.installed
	DEBUG=true $(PY) manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'sandbox/*' --no-obsolete
	DEBUG=true $(PY) manage.py makemessages --domain djangojs --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'staticfiles/*'
	DEBUG=true $(PY) manage.py compilemessages --ignore '.venv/*'
