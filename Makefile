# ImageSift: `make run` to try it, `make test` to check it. Both set everything up.
# Python 3.12 where present (also a pyenv-installed one that is not the active version), else 3.11.
PYTHON ?= $(shell for p in python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null) python3; do \
  $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
PG_URL ?= postgres://postgres@127.0.0.1:5432/imagesift
IMAGESIFT_ENV_FILE ?= .env
export DJANGO_DEBUG ?= 1

.PHONY: install run test test-sqlite test-postgres lint bench clean lambda-package

# Installed without their dependencies: rapidocr_onnxruntime (text detection) would bring
# opencv-python over the headless cv2 (see requirements-local.txt); mediapipe only carries the
# Face Mesh model that liveness runs on LiteRT (never imported; its dependencies would bring
# opencv-contrib-python, jax and matplotlib).
NO_DEPS_REQUIREMENTS := rapidocr_onnxruntime==1.4.4 mediapipe==0.10.14

$(STAMP): requirements.txt requirements-local.txt requirements-dev.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps $(NO_DEPS_REQUIREMENTS)
	touch $(STAMP)

install: $(STAMP) $(IMAGESIFT_ENV_FILE)

# Development settings for manage.py run by hand (imagesift/settings.py reads them; the real
# environment wins): written once if missing, git-ignored, left out of the Lambda package.
$(IMAGESIFT_ENV_FILE):
	@key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') && test -n "$$key" \
	  && (umask 077 && printf '%s\n' '# Development only, written by make: manage.py reads it.' \
	    'DJANGO_DEBUG=1' "DJANGO_SECRET_KEY=$$key" > $@.tmp) && mv $@.tmp $@
	@echo "Wrote $@: DJANGO_DEBUG=1 and a development secret key, for manage.py."

$(CHROMIUM):
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "Could not install Debian's chromium: browser tests will be skipped."

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_demo_admin
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL does not answer at 127.0.0.1:5432: skipping the PostgreSQL run."; fi

test-sqlite: install
	DATABASE_URL=sqlite:///$(CURDIR)/.test-db.sqlite3 $(BIN)/python -m pytest

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest

# The Lambda package of a Zappa stage, built offline (no AWS account) from a virtualenv of the
# runtime requirements only, then smoke-tested from the unzipped package. Zappa reads the
# virtualenv it packages from VIRTUAL_ENV; any AWS call would go to a dead local port.
LAMBDA_STAGE ?= dev
LAMBDA_BUILD ?= .lambda-build
LAMBDA_VENV := $(LAMBDA_BUILD)/venv
LAMBDA_PACKAGE ?= $(LAMBDA_BUILD)/imagesift-$(LAMBDA_STAGE).zip

lambda-package: install
	mkdir -p $(LAMBDA_BUILD) && echo '*' > $(LAMBDA_BUILD)/.gitignore
	test -x $(LAMBDA_VENV)/bin/python || $(PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAMBDA_VENV)/bin/python -m pip install --quiet -r requirements.txt
	IMAGESIFT_SERVE_STATIC=1 $(LAMBDA_VENV)/bin/python manage.py collectstatic --noinput --clear \
	  -v 0 --ignore redoc  # the API docs are Swagger UI's; ReDoc's 13 MB are not served
	rm -f $(LAMBDA_PACKAGE)
	VIRTUAL_ENV=$(abspath $(LAMBDA_VENV)) AWS_ENDPOINT_URL=http://127.0.0.1:9 \
	  AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline \
	  $(LAMBDA_VENV)/bin/zappa package $(LAMBDA_STAGE) -o $(LAMBDA_PACKAGE)
	LAMBDA_PACKAGE=$(abspath $(LAMBDA_PACKAGE)) $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/deploy/test_package.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .test-db.sqlite3 $(LAMBDA_BUILD) staticfiles
