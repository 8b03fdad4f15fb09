# ImageSift: `make run` to try it, `make test` to check it. Both set everything up.
# Python 3.12 where present (also a pyenv-installed one that is not the active version), else 3.11.
PYTHON ?= $(shell for p in python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null) python3; do \
  $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
PG_URL ?= postgres://postgres@127.0.0.1:5432/imagesift
export DJANGO_DEBUG ?= 1

.PHONY: install run test test-sqlite test-postgres lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "Could not install Debian's chromium: browser tests will be skipped."

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_demo_admin
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install $(CHROMIUM)
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL does not answer at 127.0.0.1:5432: skipping the PostgreSQL run."; fi

test-sqlite: install
	DATABASE_URL=sqlite:///$(CURDIR)/.test-db.sqlite3 $(BIN)/python -m pytest

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .test-db.sqlite3
