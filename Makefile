# SEM: `make run` serves the demo network on http://127.0.0.1:5000; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432
export FLASK_APP := wsgi.py

.PHONY: run test lint translations messages install install-dev chromium test-sqlite test-postgresql bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compiled catalogues are build products, not committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

# Extract new strings and merge them into the fr and nl catalogues (for developers).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o messages.pot .
	$(BIN)/pybabel update -N -i messages.pot -d translations
	rm -f messages.pot

run: install translations
	@first=; [ -f instance/sem.db ] || first=1; \
	SEM_ENV=development $(BIN)/flask db upgrade && \
	if [ -n "$$first" ]; then SEM_ENV=development $(BIN)/flask sem demo; fi && \
	{ SEM_ENV=development $(BIN)/flask sem scheduler & sched=$$!; \
	  trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	  SEM_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000; }

chromium:
	@command -v chromium >/dev/null || apt-get install -y -q chromium || \
		(apt-get update -q && apt-get install -y -q chromium)

# axe-core, for the browser tests' accessibility checks (pinned in package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || apt-get install -y -q npm || (apt-get update -q && apt-get install -y -q npm)
	npm ci --silent --no-audit --no-fund

lint: install-dev
	$(BIN)/ruff check .

test: install-dev chromium node_modules/.package-lock.json lint translations test-sqlite test-postgresql

# Two workers: the machines this runs on have two cores.
PYTEST := $(BIN)/python -m pytest -q -n 2

test-sqlite: install-dev translations node_modules/.package-lock.json
	$(PYTEST)

# A throw-away PostgreSQL database, created and dropped around the run.
test-postgresql: install-dev translations node_modules/.package-lock.json
	@db=sem_test_$$$$; \
	$(BIN)/python tests/pg_database.py create "$(PG_URL)" $$db || exit 1; \
	DATABASE_URL="$(PG_URL)/$$db" $(PYTEST); status=$$?; \
	$(BIN)/python tests/pg_database.py drop "$(PG_URL)" $$db; exit $$status

# Not part of `make test`: generates the city (SQLite) and federation (PostgreSQL, a
# throw-away database) data sets, serves them with gunicorn on loopback, loads them with wrk,
# prints a table and writes bench/results.json. About ten minutes on two cores.
# BENCH_ARGS="--scales city --seconds 5" for a quicker run.
bench: install translations
	@command -v wrk >/dev/null || apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk)
	PG_URL="$(PG_URL)" $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance node_modules .pytest_cache .ruff_cache
