# Ponder: make setup | run | test | lint | bench
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test realtest lint fmt bench bench-mathverify

# uv (from the package registry, into the venv) installs everything in seconds; pip is the
# fallback when uv cannot be had. Both show what they are doing: a silent install looks hung.
$(BIN)/ponder: pyproject.toml
	@echo "== creating $(VENV) with $(PY)"
	$(PY) -m venv $(VENV)
	@echo "== getting uv, a fast installer"
	@$(BIN)/pip install --disable-pip-version-check --progress-bar on uv \
		|| echo "== uv cannot be had: installing with pip instead (a few minutes)"
	@if [ -x $(BIN)/uv ]; then \
		echo "== installing Ponder and its dependencies with uv"; \
		$(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -e '.[dev]' \
		|| { echo "== uv failed: installing with pip instead"; \
			$(BIN)/pip install --progress-bar on -e '.[dev]'; }; \
	else \
		$(BIN)/pip install --progress-bar on -e '.[dev]'; \
	fi
	@touch $(BIN)/ponder
	@echo "== ready: $(BIN)/ponder"

setup: $(BIN)/ponder

# Python compiles each module the first time it is imported (silent, up to a minute on a busy
# machine, and every time where PYTHONDONTWRITEBYTECODE is set): done here, once, saying so.
run: setup
	@echo "== compiling Ponder's Python files (once; the first time can take a minute)"
	@$(BIN)/python -m compileall -q -j 0 reasoning graders store workbench tui ponder \
		|| echo "== could not compile every file: Ponder compiles them as it starts"
	@echo "== starting ponder"
	$(BIN)/ponder

# One worker per core this process may use, at most 4 (tests are isolated: own tmp dirs,
# databases, ports); worksteal evens out the few long tests. `pytest tests/x.py` alone runs in
# one process, as usual.
TEST_WORKERS ?= $(shell $(PY) -c "import os; print(max(1, min(4, len(os.sched_getaffinity(0)))))" 2>/dev/null || echo 2)

# Bytecode is written for the test run even where PYTHONDONTWRITEBYTECODE is set (as on these
# machines): the project's modules are compiled once instead of in every `ponder` the tests
# start, and pytest keeps its rewritten test modules (a fresh clone's suite: 3:51 -> 3:32).
test: setup
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

# Opt-in, minutes: every paradigm and a bench against a real small model (tests/integration/test_realllm.py).
realtest: setup
	$(BIN)/pytest -m realllm -s tests/integration/test_realllm.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every benches/bench_*.py in turn, each under its own TIME_LIMIT_S (killed past it, one line
# saying so), then a summary; PONDER_BENCH_PORTS=LOW-HIGH puts the fake servers in that range.
bench: setup
	$(BIN)/python benches/run_all.py

# Ponder's grader against Math-Verify on the same hand-labelled cases; math-verify goes into
# benches/.mv-venv (created on first use), never into Ponder's environment.
bench-mathverify: setup
	$(BIN)/python benches/compare_mathverify.py
