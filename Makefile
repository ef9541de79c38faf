# Giveback: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint install clean bench-solver lock

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

## Migrate a SQLite database, load the demo data and serve it on http://127.0.0.1:8000 (make demo PORT=8080)
PORT ?= 8000
demo: $(INSTALLED)
	$(BIN)/giveback demo --port $(PORT)

## Run the whole test suite (SQLite; set GIVEBACK_TEST_DATABASE_URL for PostgreSQL)
test: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Style, types and the solver's import contract
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Pin the image's dependencies (exact versions and hashes) in docker/requirements.lock from pyproject.toml
lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file docker/requirements.lock pyproject.toml

bench-solver: $(INSTALLED)
	$(BIN)/python benchmarks/solver_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
