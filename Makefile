# Two commands for a newcomer: `make run` (portal with demo data) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lock messages lint format bench clean-db

# Exactly the versions of requirements.lock, each file checked against its hash; the project itself
# is then installed without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing a dependency in pyproject.toml: `make lock`, then `make install` and commit
# requirements.lock. One lock serves Python 3.11 to 3.13 (--universal). uv comes with the dev extras.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
		-o requirements.lock

MO := parindex/locale/en/LC_MESSAGES/django.mo

install: $(STAMP) $(MO)

# .po files are in the repo; .mo files are built here with polib (no system gettext needed).
$(MO): parindex/locale/en/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/python manage.py compile_po

messages: $(MO)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT)/ with a background worker  (Ctrl+C stops both)"
	@$(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn parindex.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

clean-db:
	rm -f var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm
