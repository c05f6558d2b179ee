# Two commands do all set-up on a fresh machine (see README.md):
#   make run    set up the embedded default (SQLite, eager tasks, console email), load the
#               curriculum and demo data, and start the site on http://127.0.0.1:8000/
#   make test   set up the virtual environment and run the whole test suite twice, side by
#               side (tests/run_passes.py): on the embedded default, and on PostgreSQL, Redis
#               and real Celery workers (tests/services_pass.py; skipped with the reason if
#               those servers are not reachable, except in CI where that fails)

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The first Python >= 3.11 on this machine (python3.12 preferred).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run setup test lint venv ralph clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.12 preferred)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

venv: $(VENV)/.installed

# Ralph, the open-source learning record store that the xAPI tests send statements to
# (tests/xapi), in a virtual environment of its own: it pins versions of sentry-sdk and
# python-jose that the product's dependencies cannot share. A test tool only (never deployed).
RALPH_VENV := .ralph-venv
RALPH_PACKAGES := "ralph-malph[cli,lrs]==5.1.0" "requests>=2.32"

$(RALPH_VENV)/.installed: Makefile
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.12 preferred)."; exit 1; }
	@test -x $(RALPH_VENV)/bin/python || $(PYTHON) -m venv $(RALPH_VENV)
	$(RALPH_VENV)/bin/python -m pip install --quiet $(RALPH_PACKAGES)
	@touch $@

ralph: $(RALPH_VENV)/.installed

# Where the database, the demo password and the set-up log live (LMS_VAR_DIR, as in settings).
VAR_DIR := $(or $(LMS_VAR_DIR),var)
SETUP_LOG := $(VAR_DIR)/setup.log

# Quiet: migrations and the log lines of loading the curriculum and the demo data go to
# $(SETUP_LOG) (its last lines are shown if a step fails); the demo logins are printed last.
setup: venv
	@mkdir -p $(VAR_DIR)
	@echo "Setting up the database, the curriculum and the demo data (details in $(SETUP_LOG))..."
	@$(PY) manage.py migrate --no-input > $(SETUP_LOG) 2>&1 \
		|| { tail -n 40 $(SETUP_LOG); echo "Migrating the database failed: see $(SETUP_LOG)"; exit 1; }
	@$(PY) manage.py seed_demo 2>> $(SETUP_LOG) \
		|| { tail -n 40 $(SETUP_LOG); echo "Loading the demo data failed: see $(SETUP_LOG)"; exit 1; }

run: setup
	@echo "  The site is starting at http://$(HOST):$(PORT)/ (sign in at /accounts/login/ with a login above)."
	@echo "  Emails it sends (invitations, verification links) are printed in this terminal."
	@echo ""
	@$(PY) manage.py runserver $(HOST):$(PORT)

test: venv ralph
	$(PY) -m tests.run_passes $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) $(RALPH_VENV) var staticfiles
