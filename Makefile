# One command per chore. Everything runs from a project-local virtualenv (.venv).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test lint format bench seed migrate lock clean-data

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "uv>=0.4"
	$(BIN)/uv pip sync --quiet --python $(PY) requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_demo

# Starts embedded PostgreSQL/Redis (unless DATABASE_URL/REDIS_URL are set), migrates, seeds,
# then runs web + Celery worker + beat under honcho. Ctrl-C stops all of it.
run: install
	$(PY) -m config.devstack

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(PY) -m benchmarks.run_all $(BENCH)

clean-data:
	rm -rf .devdata
