# Black Canyon Tickets — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format venv clean

$(VENV)/.synced: pyproject.toml uv.lock
	@scripts/bootstrap.sh

venv: $(VENV)/.synced

run: venv  ## Embedded SQLite + demo data on http://127.0.0.1:8000, with the task worker
	@$(BIN)/bct dev

test: venv  ## Whole suite on SQLite and PostgreSQL
	@scripts/test.sh

lint: venv  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/test.sqlite3 .pytest_cache .mypy_cache .ruff_cache
