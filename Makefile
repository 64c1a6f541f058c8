# Careloop — the two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
CARELOOP := $(VENV)/bin/careloop
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PY)

.PHONY: run test install install-dev system-deps lint typecheck test-sqlite test-postgres test-unit bench clean

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode is compiled at install: a `careloop` command then starts without compiling Typer,
# Rich and pydantic again (also where PYTHONDONTWRITEBYTECODE keeps Python from caching it).
install: $(UV)
	$(UV) sync --frozen --no-dev --quiet --compile-bytecode
	$(VENV)/bin/python -m compileall -q src/careloop > /dev/null
	$(VENV)/bin/pybabel -q compile -d src/careloop/locale -D careloop

install-dev: $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	$(VENV)/bin/python -m compileall -q src/careloop > /dev/null
	$(VENV)/bin/pybabel -q compile -d src/careloop/locale -D careloop

## run: install, create the SQLite database, load the demo shop, serve on :8000
run: install
	$(CARELOOP) init
	$(CARELOOP) demo --if-missing
	@echo ""
	@echo "  Careloop:  http://127.0.0.1:8000      (API docs: http://127.0.0.1:8000/docs)"
	@echo "  Log in as: owner@demo.local  /  careloop-demo"
	@echo "  Your own shop: once signed in, \"+ Cửa hàng mới\" (+ New shop) in the top bar"
	@echo ""
	$(CARELOOP) serve

## test: lint, type-check, then the whole suite on SQLite and on a throwaway PostgreSQL
# The type check is one process on one core for ~35 s: it runs beside the SQLite half
# instead of before it (the other core no longer waits). Each command's output is printed
# whole when it ends (--output-sync), so the two never mix. A failure of either still fails
# `make test` before the PostgreSQL half. docs/decisions/0035-suite-speed.md
test: install-dev system-deps lint
	@$(MAKE) --no-print-directory -j2 --output-sync=line typecheck test-sqlite
	@$(MAKE) --no-print-directory test-postgres

system-deps:
	@bash scripts/system-deps.sh

lint:
	$(VENV)/bin/ruff check src tests $(wildcard bench)
	$(VENV)/bin/ruff format --check src tests $(wildcard bench)
	$(VENV)/bin/lint-imports --no-cache

typecheck:
	$(VENV)/bin/mypy src

# The fast tier: callers against in-memory ports, no database (seconds).
test-unit:
	$(VENV)/bin/pytest -m unit tests/unit -n 0

# pytest keeps each test module's assertion-rewritten bytecode in __pycache__ and reuses it,
# unless PYTHONDONTWRITEBYTECODE is set: then every worker of every run rewrites all ~300
# test modules again (11 s of CPU per worker). The suite's runs write and reuse it.
PYTEST := PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pytest

# worksteal: each worker starts on its own contiguous half of the tests (a file's tests and
# the per-worker demo copies stay together) and an idle worker takes half of what the
# other still has, so neither waits alone for the other's last long file at the end.
XDIST := -n 2 --dist worksteal

test-sqlite:
	$(PYTEST) $(XDIST)

test-postgres:
	bash scripts/with-postgres.sh env $(PYTEST) $(XDIST)

bench: install-dev
	$(VENV)/bin/python bench/ingest.py

clean:
	rm -rf $(VENV) $(TOOLS) careloop.db careloop.db-wal careloop.db-shm
