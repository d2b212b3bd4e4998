# The two commands: `make run` serves the demo company, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
PG_URL ?= postgres://postgres@127.0.0.1:5432/recoup
export RECOUP_DATA_DIR ?= $(CURDIR)/var
# Bytecode caches are written (into .venv and src/, both ignored by git): without them every one
# of `make run`'s processes compiles some 1,500 modules again, about 5 s of CPU each here.
unexport PYTHONDONTWRITEBYTECODE

# Installs come from the hashed locks in requirements/ (README, "Dependencies and why"):
# runtime.txt for `make run` (no test tools, so it is quick), dev.txt for the suite and the
# benchmarks, build.txt for what builds recoup itself, uv.txt for the installer. A stamp is
# older than its lock when the lock changes, so the next command installs again.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
BUILD_LOCK := requirements/build.txt
UV_LOCK := requirements/uv.txt
UV_STAMP := $(VENV)/.installed-uv
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
UV_PIP_TARGET := --python $(BIN)/python --quiet
COMPILE := $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes --custom-compile-command 'make lock'

.PHONY: run test test-sqlite test-postgres lint typecheck messages screenshots bench-import bench-prediction bench-worklist bench-load bench-soak clean lock upgrade

# The venv is made without pip (ensurepip alone costs seconds): the pip of the Python that makes
# it installs uv into it (pip >= 22.3), or, where that Python has no pip, the venv gets its own.
$(UV_STAMP): $(UV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --require-hashes --no-deps -r $(UV_LOCK) 2>/dev/null || \
		{ $(BIN)/python -m ensurepip --default-pip >/dev/null && $(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(UV_LOCK); }
	touch $@

# Additive: a venv that already holds the dev lock (a superset, same versions) stays as it is.
$(RUNTIME_STAMP): $(UV_STAMP) $(RUNTIME_LOCK) $(BUILD_LOCK) pyproject.toml
	$(UV) pip install $(UV_PIP_TARGET) --require-hashes -r $(RUNTIME_LOCK)
	$(UV) pip install $(UV_PIP_TARGET) --no-deps --build-constraints $(BUILD_LOCK) -e .
	@# recoup's own requirements against what was installed: a pyproject.toml edited without `make lock` fails here.
	$(UV) pip check $(UV_PIP_TARGET)
	touch $@

# Exact: whatever the dev lock does not name leaves the venv (pip and uv stay).
$(DEV_STAMP): $(UV_STAMP) $(DEV_LOCK) $(BUILD_LOCK) pyproject.toml
	$(UV) pip sync $(UV_PIP_TARGET) --require-hashes $(DEV_LOCK)
	$(UV) pip install $(UV_PIP_TARGET) --no-deps --build-constraints $(BUILD_LOCK) -e .
	$(UV) pip check $(UV_PIP_TARGET)
	touch $@ $(RUNTIME_STAMP)

# Re-resolve pyproject.toml into the locks, keeping every pin that still fits (after editing dependencies).
lock: $(UV_STAMP)
	$(COMPILE) $(LOCK_FLAGS) requirements/uv.in -o $(UV_LOCK)
	$(COMPILE) $(LOCK_FLAGS) requirements/build.in -o $(BUILD_LOCK)
	$(COMPILE) $(LOCK_FLAGS) pyproject.toml --extra redis -o $(RUNTIME_LOCK)
	@# The dev lock is held to the runtime lock's versions: the suite tests what `make run` serves.
	$(COMPILE) $(LOCK_FLAGS) pyproject.toml --extra redis --extra dev -c $(RUNTIME_LOCK) -o $(DEV_LOCK)

# The customer portal's translations (src/recoup/locale): extract the strings again and compile the .mo
# files, which are committed, so that `make run` never needs GNU gettext (this target does).
messages: $(DEV_STAMP)
	cd src/recoup && $(CURDIR)/$(BIN)/django-admin makemessages -l de -l fr -l es --no-location --no-obsolete --ignore '*/migrations/*' --settings recoup.settings
	cd src/recoup && $(CURDIR)/$(BIN)/django-admin compilemessages --settings recoup.settings

# Every dependency to its newest release within pyproject.toml's bounds, then the whole suite on them.
upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade
	$(MAKE) test

run: $(RUNTIME_STAMP)
	$(BIN)/recoup init --demo
	@echo ""
	@echo "recoup: http://127.0.0.1:8000/  (demo logins, password recoup-demo-2026:"
	@echo "  admin@demo.recoup.example, manager@demo.recoup.example, senior@demo.recoup.example,"
	@echo "  collector1@demo.recoup.example ... collector4@demo.recoup.example)"
	$(BIN)/recoup serve

# The suite runs twice, on SQLite and on PostgreSQL when a server answers (CI requires it). The
# two runs share nothing (own data directories, own databases) and each is mostly one process, so
# on a machine with two cores or more they run side by side; each run's output is printed whole
# when it ends. `make test-sqlite` or `make test-postgres` runs one of them.
test: $(DEV_STAMP) lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(DEV_STAMP)
	env -u RECOUP_DATABASE_URL RECOUP_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q

test-postgres: $(DEV_STAMP)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		RECOUP_DATABASE_URL=$(PG_URL) RECOUP_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q; \
	elif [ -n "$$RECOUP_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(PG_URL) is required (RECOUP_REQUIRE_POSTGRES) but does not answer"; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL run of the suite (no server at $(PG_URL)); CI runs it"; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

screenshots: $(DEV_STAMP)
	RECOUP_WRITE_SCREENSHOTS=1 env -u RECOUP_DATABASE_URL RECOUP_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q -m browser

bench-import: $(DEV_STAMP)
	$(BIN)/python bench/import/run.py

bench-prediction: $(DEV_STAMP)
	$(BIN)/python bench/prediction/run.py

# Needs PostgreSQL at 127.0.0.1:5432 and locust in the venv; writes bench/results/load.json.
bench-load: $(DEV_STAMP)
	$(BIN)/python bench/load/run.py

bench-worklist: $(DEV_STAMP)
	$(BIN)/python bench/worklist/run.py

# 10 minutes on each deployment (SQLite; PostgreSQL + Redis at 127.0.0.1), then the checks;
# writes bench/results/soak-sqlite.json and soak-postgres.json. E.g. SOAK_ARGS="--target sqlite --minutes 3".
SOAK_ARGS ?= --target both --minutes 10
bench-soak: $(DEV_STAMP)
	$(BIN)/python bench/soak/run.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) var
