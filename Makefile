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

## The dashboard with demo data: sandbox vendors on :$(SANDBOX_PORT), dashboard on http://$(DEMO_ADDR)/, an export consumer
# It runs as production does, DEBUG off (our own 404/403/500 pages, static files collected and served by
# WhiteNoise), over plain HTTP on this machine. `make demo DEBUG=true` for Django's debug pages (README).
# demo_setup writes well-known passwords, so it asks for DEBUG itself.
demo: export DEBUG := false
demo: export ALLOWED_HOSTS := $(firstword $(subst :, ,$(DEMO_ADDR))),localhost,127.0.0.1
demo: export SECURE_SSL_REDIRECT := false
demo: export BEHIND_TLS_PROXY := false
demo: export SESSION_COOKIE_SECURE := false
demo: export CSRF_COOKIE_SECURE := false
demo: export SECURE_HSTS_SECONDS := 0
demo: $(VENV)/.installed .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	DEBUG=true $(PY) manage.py demo_setup --sandbox-url http://127.0.0.1:$(SANDBOX_PORT)
	@echo "Open http://$(DEMO_ADDR)/ and log in as support, manager or admin (password: demo-password). Ctrl-C stops the servers and the export consumer."
	@trap 'kill 0' EXIT; \
	  $(PY) -m sandbox --host 127.0.0.1 --port $(SANDBOX_PORT) & \
	  nice -n 10 $(PY) manage.py run_huey & \
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
