# Giveback: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint install clean bench-solver lock catalogs catalogs-compile

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

LOCALE_DIR := src/giveback/locale
POT := $(LOCALE_DIR)/messages.pot
CATALOG_LOCALES := es pt_BR fr zh_Hans ar
# _(), _n() and _p() mark texts in Python (giveback.i18n); templates use _(), ngettext(), pgettext() and {% trans %}.
EXTRACT_KEYWORDS := -k _n:1,2 -k _p:1c,2 -k N_

## Extract every marked text into the template, merge it into each language's catalog, and compile them
catalogs: $(INSTALLED)
	$(BIN)/pybabel --quiet extract -F babel.cfg $(EXTRACT_KEYWORDS) --no-location --sort-output --no-wrap \
		--project=Giveback --copyright-holder="the Giveback team" -o $(POT) src/giveback
	for locale in $(CATALOG_LOCALES); do \
		$(BIN)/pybabel --quiet update -i $(POT) -d $(LOCALE_DIR) -l $$locale --init-missing --no-fuzzy-matching \
			--ignore-obsolete --no-wrap || exit 1; \
	done
	# No extraction date in the catalogs: two developers' runs then differ only where the texts do.
	sed -i '/^"POT-Creation-Date:/d' $(POT) $(LOCALE_DIR)/*/LC_MESSAGES/messages.po
	$(MAKE) --no-print-directory catalogs-compile

## After a git merge that conflicts in the catalogs: keep both sides' translations, then bring them up to date
catalogs-merge: $(INSTALLED)
	$(BIN)/python -m giveback.i18n.merge
	$(MAKE) --no-print-directory catalogs

## Compile the catalogs (.po to .mo; the app compiles a missing or older one in memory itself)
catalogs-compile: $(INSTALLED)
	$(BIN)/pybabel --quiet compile -d $(LOCALE_DIR)

## Migrate a SQLite database, load the demo data and serve it on http://127.0.0.1:8000 (make demo PORT=8080)
PORT ?= 8000
demo: $(INSTALLED)
	$(BIN)/giveback demo --port $(PORT)

## Run the whole test suite (SQLite; set GIVEBACK_TEST_DATABASE_URL for PostgreSQL)
test: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Style, types, the solver's import contract, and complete translation catalogs
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m giveback.i18n.check

## Pin the image's dependencies (exact versions and hashes) in docker/requirements.lock from pyproject.toml
lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file docker/requirements.lock pyproject.toml

bench-solver: $(INSTALLED)
	$(BIN)/python benchmarks/solver_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
