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
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
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

# Apache ECharts, vendored (no CDN: pages work offline). `make echarts` fetches the pinned version from
# the npm registry, copies the minified build, its licence and NOTICE, and records the SHA-256;
# `make echarts-verify` checks the committed file against that record.
ECHARTS_VERSION ?= 6.1.0
ECHARTS_DIR := core/static/vendor/echarts
.PHONY: echarts echarts-verify
echarts:
	rm -rf .echarts-tmp && mkdir .echarts-tmp
	cd .echarts-tmp && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null && tar xzf echarts-$(ECHARTS_VERSION).tgz
	mkdir -p $(ECHARTS_DIR)
	cp .echarts-tmp/package/dist/echarts.min.js .echarts-tmp/package/LICENSE .echarts-tmp/package/NOTICE $(ECHARTS_DIR)/
	echo $(ECHARTS_VERSION) > $(ECHARTS_DIR)/VERSION
	cd $(ECHARTS_DIR) && sha256sum echarts.min.js > echarts.min.js.sha256
	rm -rf .echarts-tmp
	$(MAKE) echarts-verify

echarts-verify:
	cd $(ECHARTS_DIR) && sha256sum -c echarts.min.js.sha256
	grep -q "\"$$(cat $(ECHARTS_DIR)/VERSION)\"" $(ECHARTS_DIR)/echarts.min.js  # the build is the recorded version
