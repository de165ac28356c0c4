# The one entry point for chores. `make help` lists the targets.
#
#   make install                  .venv with the pinned dependencies (dev extras included)
#   make system-deps              Debian packages the tests need (chromium, fonts, pango; WITH_SERVICES=1 adds
#                                 postgresql and redis-server)
#   make demo [PORT=8001]         migrate, seed demo data, run the development server
#   make test [PYTEST_ARGS=...]   the whole suite: non-browser tests, then browser tests
#   make test-unit / test-browser one half of it (use these to select tests with PYTEST_ARGS)
#   make lint                     ruff check, ruff format --check, the layers (import-linter), mypy
#   make services / services-stop private PostgreSQL and Redis on loopback (bin/dev-services)
#   make scheduler                the daily jobs and the e-mail sweep (Celery worker + beat), embedded
#   make bench [BENCH_ARGS=...]   pages, endpoints and exports at 10^3 and 10^5 use cases, with ratios
#   make prod [PORT=8000]         production: check, migrate, collect static files, then the Procfile
#                                 (web, worker, beat) with honcho; settings from the environment
#   make smoke                    `make prod` on PostgreSQL and Redis, walked end to end, then a
#                                 backup restored into a fresh database and its chain verified
#   make messages                 the translation catalogues (locale/) extracted again and compiled
#                                 (needs Debian's gettext); translate the new entries, run it again

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=
WITH_SERVICES ?=
APT_GET := apt-get -o DPkg::Lock::Timeout=600

# The browser tests run in their own pytest process: Playwright's sync API keeps an asyncio
# loop on the main thread, which makes Django refuse database access in later tests. Two
# workers there too: each test drives its own Chromium against its worker's live server.
# The settings default to production: the tests, the demo and the scheduler ask for
# development mode (DJANGO_DEBUG=true), as pyproject's pytest `env` does for a bare pytest too.
DEV := DJANGO_DEBUG=true
# On PostgreSQL with two roles (bin/dev-services env), migrations and the tests (which create
# their own databases) run as the owner; the app itself connects as DATABASE_URL's role.
AS_OWNER := $(if $(DATABASE_OWNER_URL),DATABASE_URL=$(DATABASE_OWNER_URL),)
PYTEST_UNIT := $(DEV) $(AS_OWNER) $(PY) -m pytest -m "not browser" -n 2
PYTEST_BROWSER := $(DEV) $(AS_OWNER) DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m browser -n 2

BENCH_ARGS ?=

.PHONY: bench scheduler help install system-deps demo test test-unit test-browser lint services services-stop prod smoke messages

help:
	@sed -n '3,19s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

install: $(STAMP)
	@echo "install: $(VENV) is up to date"

# Re-runs only when pyproject.toml changes or .venv is gone.
$(STAMP): pyproject.toml
	@if uv --version >/dev/null 2>&1; then uv="uv"; \
	elif python3 -m uv --version >/dev/null 2>&1; then uv="python3 -m uv"; \
	else \
	    echo "install: installing uv"; \
	    python3 -m pip install -q uv || python3 -m pip install -q --break-system-packages uv; \
	    uv="python3 -m uv"; \
	fi; \
	if [ ! -x $(PY) ]; then \
	    rm -rf $(VENV); \
	    UV_PYTHON_DOWNLOADS=never $$uv venv $(VENV) --python 3.11; \
	fi; \
	UV_COMPILE_BYTECODE=1 $$uv pip install -p $(VENV) -r pyproject.toml --extra dev
	@touch $@

system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -d /usr/share/fonts/truetype/liberation ] || missing="$$missing fonts-liberation"; \
	dpkg -s libpango-1.0-0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0"; \
	dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing="$$missing libpangoft2-1.0-0"; \
	if [ -n "$(WITH_SERVICES)" ]; then \
	    [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || missing="$$missing postgresql"; \
	    command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	    command -v redis-cli >/dev/null 2>&1 || missing="$$missing redis-tools"; \
	fi; \
	if [ -z "$$missing" ]; then echo "system-deps: all present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "system-deps: missing Debian package(s):$$missing" >&2; \
	    echo "system-deps: as root run: apt-get install -y --no-install-recommends$$missing" >&2; \
	    exit 1; \
	fi; \
	echo "system-deps: installing$$missing"; \
	$(APT_GET) update -qq; \
	DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq --no-install-recommends $$missing

demo: install
	$(DEV) $(AS_OWNER) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	@echo
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as marketing.submitter / demo (other users: chair, council.privacy, auditor …)"
	@echo
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Both halves must pass; pytest's exit 5 (no test collected) fails too.
test: install system-deps
	$(PYTEST_UNIT) $(PYTEST_ARGS)
	$(PYTEST_BROWSER) $(PYTEST_ARGS)

test-unit: install
	$(PYTEST_UNIT) $(PYTEST_ARGS)

test-browser: install system-deps
	$(PYTEST_BROWSER) $(PYTEST_ARGS)

lint: install
	@rc=0; \
	$(VENV)/bin/ruff check . || rc=1; \
	$(VENV)/bin/ruff format --check . || rc=1; \
	$(VENV)/bin/lint-imports --no-cache || rc=1; \
	$(DEV) $(VENV)/bin/mypy || rc=1; \
	exit $$rc

services: WITH_SERVICES = 1
services: system-deps
	@bin/dev-services start
	@echo "# Point the app at them: paste these, or run: eval \"\$$(bin/dev-services env)\""
	@bin/dev-services env

services-stop:
	@bin/dev-services stop

# The embedded default has no broker: beat and a worker share a folder (kombu's filesystem
# transport), while the web app keeps running tasks in-process.
scheduler: install
	$(DEV) CELERY_BROKER_URL=filesystem:// $(VENV)/bin/celery -A config worker --beat --pool solo -l info

# On PostgreSQL when `bin/dev-services env` is loaded (its owner role creates the databases).
bench: install
	$(PY) -m bench $(if $(DATABASE_OWNER_URL),--database-url $(DATABASE_OWNER_URL),) $(BENCH_ARGS)

# Production as the Procfile says, with the settings of the environment (README, Production):
# the deploy checks, migrations as the owner role, static files, then web, worker and beat.
prod: install
	$(PY) manage.py check --deploy --fail-level WARNING
	$(AS_OWNER) $(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	mkdir -p var
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -p $(PORT)

# Needs `bin/dev-services env` loaded (PostgreSQL with its two roles, and Redis).
smoke: install
	$(PY) bin/prod-smoke

# Every language of settings.LANGUAGES but English; the .mo files are committed with the .po.
messages: install
	$(DEV) $(PY) manage.py makemessages -l fr --no-obsolete --ignore=staticfiles --ignore=var \
	    --ignore=media --ignore=tests --ignore=bench
	# A guess from a similar message is no translation: emptied (the page shows the English).
	msgattrib --clear-fuzzy --empty -o locale/fr/LC_MESSAGES/django.po locale/fr/LC_MESSAGES/django.po
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv
