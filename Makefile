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

.PHONY: help venv run test lint unit fast e2e chromium postgres clean

help:
	@echo "make run    - start the app on http://localhost:$(PORT) (creates .venv on first use)"
	@echo "make test   - ruff, then unit/contract/app tests, then browser (e2e) tests"
	@echo "make fast   - ruff + unit/contract/app tests only (no browser)"
	@echo "make e2e    - browser tests only"
	@echo "make postgres - install Debian's postgresql when missing (the tests start their own server)"
	@echo "make clean  - remove caches and test output (keeps .venv and .sandbox)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

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

# The tests start a throwaway server themselves (tests/postgres.py); this only makes sure the
# programs exist. Debian keeps them in /usr/lib/postgresql/<version>/bin, off PATH; elsewhere they
# are found through initdb on PATH (symlinks followed). Same search as tests/postgres.py.
postgres:
	@found=""; \
	for dir in $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -n -r) \
	           $$(p=$$(command -v initdb) && dirname "$$(readlink -f "$$p")"); do \
		if [ -x "$$dir/initdb" ] && [ -x "$$dir/postgres" ]; then found="$$dir"; break; fi; \
	done; \
	if [ -n "$$found" ]; then \
		echo "postgres: $$found present"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	else \
		echo "ERROR: the PostgreSQL server programs (initdb, postgres) are missing and this is not root."; \
		echo "       Run: sudo apt-get update && sudo apt-get install -y postgresql   (then re-run make)"; \
		exit 1; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP) postgres
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/contract tests/app

fast: lint unit

e2e: $(STAMP) chromium
	$(BIN)/python -m pytest tests/e2e

test: $(STAMP) chromium postgres
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/contract tests/app
	$(BIN)/python -m pytest tests/e2e

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis screenshots
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
