# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: install run demo test lint bench prove-guards clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/kiosk demo
	$(BIN)/kiosk $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Two workers, a test file each at a time (snapshots and the stress tests stay whole).
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python -m bench

# Remove each guard (B4, T1, S1, S2, Q2, E3, T2) in a scratch copy and show that its tests then fail.
prove-guards: install
	$(BIN)/python tests/prove_guards.py

clean:
	rm -rf $(VENV) var .pytest_cache
