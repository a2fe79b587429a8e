# Two entry points for a newcomer (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench snapshot clean

# Prefect's ephemeral API server: a generous start-up timeout on a busy 2-core machine, and no
# telemetry (the machine has no internet).
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,lint,bench]"
	touch $(STAMP)

## Build a release for the embedded default (Mikkeli region, TA23) and serve API + dashboard.
run: $(STAMP)
	$(BIN)/ennakointi run

## The test suite (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider --timeout=600

lint: $(STAMP)
	$(BIN)/ruff check forecasting models flows service tests benchmarks
	$(BIN)/mypy

## Rebuild the embedded snapshot from ../shared/data (identical output when the sources are unchanged).
snapshot: $(STAMP)
	$(BIN)/ennakointi data build-snapshot

clean:
	rm -rf $(VENV) var/cache .pytest_cache .mypy_cache .ruff_cache
