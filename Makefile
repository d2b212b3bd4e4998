# The two commands: `make run` serves the demo company, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/recoup
export RECOUP_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgres lint typecheck screenshots bench-import bench-prediction bench-worklist bench-load bench-soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/recoup init --demo
	@echo ""
	@echo "recoup: http://127.0.0.1:8000/  (demo logins, password recoup-demo-2026:"
	@echo "  admin@demo.recoup.example, manager@demo.recoup.example, senior@demo.recoup.example,"
	@echo "  collector1@demo.recoup.example ... collector4@demo.recoup.example)"
	$(BIN)/recoup serve

# The suite runs twice: on SQLite, then on PostgreSQL when a server answers (CI requires it).
test: $(STAMP) lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	env -u RECOUP_DATABASE_URL RECOUP_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q

test-postgres: $(STAMP)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		RECOUP_DATABASE_URL=$(PG_URL) RECOUP_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q; \
	elif [ -n "$$RECOUP_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(PG_URL) is required (RECOUP_REQUIRE_POSTGRES) but does not answer"; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL run of the suite (no server at $(PG_URL)); CI runs it"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

screenshots: $(STAMP)
	RECOUP_WRITE_SCREENSHOTS=1 env -u RECOUP_DATABASE_URL RECOUP_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q -m browser

bench-import: $(STAMP)
	$(BIN)/python bench/import/run.py

bench-prediction: $(STAMP)
	$(BIN)/python bench/prediction/run.py

# Needs PostgreSQL at 127.0.0.1:5432 and locust in the venv; writes bench/results/load.json.
bench-load: $(STAMP)
	$(BIN)/python bench/load/run.py

bench-worklist: $(STAMP)
	$(BIN)/python bench/worklist/run.py

# 10 minutes on each deployment (SQLite; PostgreSQL + Redis at 127.0.0.1), then the checks;
# writes bench/results/soak-sqlite.json and soak-postgres.json. E.g. SOAK_ARGS="--target sqlite --minutes 3".
SOAK_ARGS ?= --target both --minutes 10
bench-soak: $(STAMP)
	$(BIN)/python bench/soak/run.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) var
