# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONTENT ?= content
HOST ?= 127.0.0.1
PORT ?= 8000
# WORKERS: gunicorn workers; unset, gunicorn.conf.py takes 2 x cores + 1 (at most 8).
WORKERS ?=
PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Links in emails point at the server `make run` starts, unless EDUHUB_BASE_URL is set.
EDUHUB_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install lint format import serve clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make run: install, migrate, import content/, build the search index, serve on http://127.0.0.1:8000
run: install
	$(BIN)/eduhub db upgrade
	$(BIN)/eduhub content import $(CONTENT)
	$(BIN)/eduhub search reindex --if-needed
	@echo "== EduHub: open http://$(HOST):$(PORT)/ (Ctrl-C stops it) =="
	EDUHUB_BASE_URL="$(EDUHUB_BASE_URL)" HOST="$(HOST)" PORT="$(PORT)" $(if $(WORKERS),WORKERS="$(WORKERS)" )$(BIN)/gunicorn --config gunicorn.conf.py

tests/browser/node_modules: tests/browser/package-lock.json
	@if command -v npm >/dev/null; then cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; \
	else echo "npm not found: the browser accessibility test will be skipped"; fi

## make test: lint, then the whole suite on SQLite and again on a throwaway PostgreSQL database
test: install tests/browser/node_modules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest
	@if $(BIN)/python tests/postgres_available.py "$(PG_ADMIN_URL)"; then \
		echo "== again on PostgreSQL =="; \
		EDUHUB_TEST_POSTGRES_ADMIN_URL="$(PG_ADMIN_URL)" $(BIN)/pytest -m "not corpora and not browser"; \
	else \
		echo "PostgreSQL does not answer at $(PG_ADMIN_URL): PostgreSQL run skipped"; \
	fi

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
