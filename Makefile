# Two set-up commands for a fresh machine (see README): `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: run test lint install clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

## The main job on the default registry: extract every report, write the lake, build the warehouse.
run: $(BIN)/.installed
	$(BIN)/juesuan run

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy juesuan extract transform warehouse flows expectations

## Lint, type-check, then the whole test suite with the coverage floor.
test: lint
	$(BIN)/pytest --cov --cov-report=term

clean:
	rm -rf data .pytest_cache .ruff_cache .mypy_cache .coverage
