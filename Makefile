# Payment Flow Lab — `make run` starts the app, `make test` runs lint + every test suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PORT ?= 8501
PYTEST_WORKERS ?= 2
# Stripe's OpenAPI spec for tests/contract/test_openapi_shapes.py, installed by npm from the lock file.
SPEC_DIR := tests/contract/openapi
SPEC_STAMP := $(SPEC_DIR)/node_modules/.installed

.PHONY: help venv spec run test lint unit fast e2e chromium clean

help:
	@echo "make run    - start the app on http://localhost:$(PORT) (creates .venv on first use)"
	@echo "make test   - ruff, then unit/contract/app tests, then browser (e2e) tests"
	@echo "make fast   - ruff + unit/contract/app tests only (no browser)"
	@echo "make e2e    - browser tests only"
	@echo "make spec   - install Stripe's OpenAPI spec for the contract tests (npm ci, from the lock file)"
	@echo "make clean  - remove caches and test output (keeps .venv and .sandbox)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

# Reinstall only when the lock file is newer than the stamp; npm ci installs exactly what it pins.
$(SPEC_STAMP): $(SPEC_DIR)/package.json $(SPEC_DIR)/package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = "0" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm; \
		else echo "ERROR: npm is missing: sudo apt-get install -y npm (then re-run make)"; exit 1; fi; }
	cd $(SPEC_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	touch $(SPEC_STAMP)

spec: $(SPEC_STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

chromium:
	@if [ -x $(CHROMIUM) ]; then \
		echo "chromium: $(CHROMIUM) present"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "ERROR: $(CHROMIUM) is missing and this is not root, so it cannot be installed here."; \
		echo "       Run: sudo apt-get update && sudo apt-get install -y chromium   (then re-run make test)"; \
		exit 1; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP) $(SPEC_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/contract tests/app

fast: lint unit

e2e: $(STAMP) chromium
	$(BIN)/python -m pytest tests/e2e

test: $(STAMP) $(SPEC_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/contract tests/app
	$(BIN)/python -m pytest tests/e2e

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis screenshots
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
