# One command set, used the same way locally and in CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
# torch 2.13.0 is the CPU wheel on these machines; pip also looks in /opt/wheels when present.
PIP_FLAGS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: setup run serve ingest-corpus check test test-fast lint lock corpus screenshots clean fuzz axe

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(PIP_FLAGS) -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

setup: $(BIN)/.installed ## create .venv and install the pinned dependencies

ingest-corpus: setup ## ingest the sample corpus into HUB_DATA_DIR (default ./hub-data)
	$(BIN)/hub ingest corpus/

run: ingest-corpus ## set up, ingest corpus/, create demo users and quiz items, serve UI + API on http://$(HOST):$(PORT)
	$(BIN)/hub users seed-demo
	$(BIN)/hub learn generate --approve
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

serve: setup
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

# axe-core (npm) for the accessibility browser test; pinned, installed into .axe/ (not shipped).
AXE_VERSION := 4.14.1
.axe/node_modules/axe-core/axe.min.js:
	npm install --no-audit --no-fund --prefix .axe axe-core@$(AXE_VERSION)

axe: .axe/node_modules/axe-core/axe.min.js ## install axe-core for the accessibility test

# The gates CI enforces before any test runs: lint, formatting, types, and the import-layering contract.
CHECKED := mslhub hub ingest ui evals tests corpus
check: setup ## ruff lint, ruff format --check, mypy (hub ingest ui evals), import-linter contracts
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy
	$(BIN)/lint-imports

test: check axe ## the gates, then the whole test suite (CI runs exactly this)
	$(BIN)/python -m pytest -q

# test-fast runs on both cores (pytest-xdist; a test file stays on one worker, so module fixtures are built once).
JOBS ?= 2
test-fast: setup ## skip the slow end-to-end tests; JOBS=1 for one process
	$(BIN)/python -m pytest -q -m "not slow" $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist loadfile,)

fuzz: setup ## bounded schemathesis run against a real hub serve's OpenAPI schema; fails on any 5xx (tests/security/fuzz.py)
	$(BIN)/python -m tests.security.fuzz

lint: check

lock: ## re-pin every dependency from the current environment
	$(BIN)/pip freeze --exclude-editable | sed -E 's/^torch==([0-9.]+)\+cpu$$/torch==\1/' > requirements.lock

corpus: setup ## rebuild the sample corpus files from corpus/src
	$(BIN)/python corpus/build.py

screenshots: setup ## re-make docs/screenshots/*.png (a fresh demo site in headless chromium)
	$(BIN)/python -m ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) hub-data reports .pytest_cache
