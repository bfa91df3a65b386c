# Ponder: make setup | run | test | lint | bench
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint fmt bench

$(BIN)/ponder: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(BIN)/ponder

setup: $(BIN)/ponder

run: setup
	$(BIN)/ponder

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	@for b in benches/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || echo "!! $$b missed a target or failed"; done
