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
# The Node SDK contract tests (tests/contract/test_node_sdk.py) run the npm stripe package pinned here.
NODE_DIR := tests/contract/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

# Stripe's OpenAPI spec for tests/contract/test_openapi_shapes.py, installed by npm from the lock file.
SPEC_DIR := tests/contract/openapi
SPEC_STAMP := $(SPEC_DIR)/node_modules/.installed

.PHONY: help venv spec run test lint unit fast e2e chromium postgres node-deps clean

help:
	@echo "make run    - start the app on http://localhost:$(PORT) (creates .venv on first use)"
	@echo "make test   - ruff, then unit/contract/app tests, then browser (e2e) tests"
	@echo "make fast   - ruff + unit/contract/app tests only (no browser)"
	@echo "make e2e    - browser tests only"
	@echo "make node-deps - npm ci the Node SDK for the contract tests (needs node 20+ and npm)"
	@echo "make postgres - install Debian's postgresql when missing (the tests start their own server)"
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

# $(call apt_install,PACKAGE,WHAT): as root, apt-get install PACKAGE; otherwise say how, and fail.
# Used by the targets below once their own check found WHAT missing.
define apt_install
	if [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(1); \
	else \
		echo "ERROR: $(2) missing and this is not root, so it cannot be installed here."; \
		echo "       Run: sudo apt-get update && sudo apt-get install -y $(1)   (then re-run make)"; \
		exit 1; \
	fi
endef

chromium:
	@if [ -x $(CHROMIUM) ]; then echo "chromium: $(CHROMIUM) present"; else $(call apt_install,chromium,$(CHROMIUM) is); fi

# npm ci only when package.json or package-lock.json is newer than the stamp (npm ci empties
# node_modules, stamp included). --ignore-scripts: no package may download a binary at install.
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "ERROR: node and npm are needed for the Node SDK contract tests ($(NODE_DIR))."; \
		echo "       Install them: sudo apt-get update && sudo apt-get install -y nodejs npm   (then re-run make)"; \
		exit 1; \
	fi
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || { \
		echo "ERROR: node $$(node --version) is too old: the pinned stripe package needs Node.js 20 or newer."; \
		exit 1; }
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

# The tests start a throwaway server themselves (tests/postgres.py); this only makes sure the
# programs exist. Debian keeps them in /usr/lib/postgresql/<version>/bin, off PATH; elsewhere they
# are found through initdb on PATH (symlinks followed). Same search as tests/postgres.py.
postgres:
	@found=""; \
	for dir in $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -n -r) \
	           $$(p=$$(command -v initdb) && dirname "$$(readlink -f "$$p")"); do \
		if [ -x "$$dir/initdb" ] && [ -x "$$dir/postgres" ]; then found="$$dir"; break; fi; \
	done; \
	if [ -n "$$found" ]; then echo "postgres: $$found present"; \
	else $(call apt_install,postgresql,the PostgreSQL server programs (initdb and postgres) are); fi

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP) $(NODE_STAMP) $(SPEC_STAMP) postgres
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/contract tests/app

fast: lint unit

e2e: $(STAMP) chromium
	$(BIN)/python -m pytest tests/e2e

test: $(STAMP) chromium $(NODE_STAMP) $(SPEC_STAMP) postgres
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/contract tests/app
	$(BIN)/python -m pytest tests/e2e

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis screenshots
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
