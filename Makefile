# Two entry points for a newcomer (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint lock bench snapshot clean

# Prefect (its API server's start-up timeout, no telemetry) is configured by the CLI from
# forecasting/settings.py (section `prefect`), not here: `ennakointi` works the same without make.

LOCK := requirements.lock

# Installs the tested versions in requirements.lock (pip constraints), never whatever is newest.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c $(LOCK) -e ".[test,lint,bench]"
	touch $(STAMP)

## Re-resolve the dependencies into requirements.lock (after a change to pyproject.toml).
## By default the versions already in the lock are kept (pip resolves the rest around them, adds
## what a new dependency pulls in and drops what nothing needs any more); `make lock UPGRADE=1`
## resolves everything afresh to the newest versions. Run `make test` on the result either way.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade "pip>=24"
	.venv-lock/bin/pip install --quiet $(if $(UPGRADE),,-c $(LOCK)) -e ".[test,lint,bench]"
	.venv-lock/bin/pip check
	{ sed -n '1,3p' $(LOCK); .venv-lock/bin/pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock

## Build a release for the embedded default (Mikkeli region, TA23) and serve API + dashboard.
run: $(STAMP)
	$(BIN)/ennakointi run

## The test suite (what CI runs): everything but the `serial` tests in two processes (one per
## core; each test file stays in one process, so its module fixtures are built once), then the
## `serial` ones. Both parts run; the target fails if either does.
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider --timeout=600
test: $(STAMP)
	@status=0; \
	$(PYTEST) --durations=20 -n 2 --dist loadfile -m "not serial" || status=$$?; \
	$(PYTEST) -m serial || status=$$?; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check forecasting models flows service tests benchmarks
	$(BIN)/ruff format --check forecasting models flows service tests benchmarks
	$(BIN)/mypy

## Rebuild the embedded snapshot from ../shared/data (identical output when the sources are unchanged).
snapshot: $(STAMP)
	$(BIN)/ennakointi data build-snapshot

clean:
	rm -rf $(VENV) var/cache .pytest_cache .mypy_cache .ruff_cache
