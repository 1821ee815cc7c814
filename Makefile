# Delivery Portal: `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per install, named after the checksum of the files it installed: editing
# requirements.txt reinstalls both, editing requirements-dev.txt the dev one.
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8000
export PORT

.PHONY: run test lint bench loadtest venv venv-dev migrate demo clean

# Runtime only (make run, production).
$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-run-* && touch $(RUN_STAMP)

# Runtime plus the test and lint tools (make test, make lint).
$(DEV_STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(DEV_STAMP) $(RUN_STAMP)

venv: $(RUN_STAMP)

venv-dev: $(DEV_STAMP)

migrate: venv
	mkdir -p var/celery/broker var/celery/processed var/celery/control
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# Web server, Celery worker and beat together; Ctrl-C stops all three.
run: demo
	DEBUG=$${DEBUG:-true} SECURE_COOKIES=$${SECURE_COOKIES:-false} $(VENV)/bin/honcho start -f Procfile

test: venv-dev
	mkdir -p var/celery/broker var/celery/processed var/celery/control
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff, configured in pyproject.toml (migrations excluded).
lint: venv-dev
	$(VENV)/bin/ruff check .

# The bench creates its PostgreSQL databases when missing and migrates them itself.
bench: venv
	$(PY) manage.py bench $(BENCH_ARGS)

# gunicorn on PostgreSQL, 50 users for 2 minutes (LOADTEST_USERS, LOADTEST_SECONDS); see scripts/loadtest.py.
loadtest: venv
	$(PY) scripts/loadtest.py

clean:
	rm -rf $(VENV) var
