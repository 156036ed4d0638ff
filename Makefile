# The README's commands. `make run` serves the demo portal; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint format bench clean vendor

## Install into .venv, create the SQLite database with demo content if empty, serve on :5000
## (`make run PORT=5055` for another port).
PORT ?= 5000
run: $(VENV)/.installed vendor
	$(FLASK) portal setup
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## Install the dev extras, check style, formatting and the layers' import contracts
## (pyproject.toml), then run the whole test suite. `make test QUICK=1` leaves out
## the tests marked slow (browser tests, XSS corpus runs, builds of distributions).
## The tests run in TEST_WORKERS pytest-xdist processes (one per core, at most 2 by
## default; `make test TEST_WORKERS=4` for more), each with its own PostgreSQL and
## Redis database (tests/conftest.py); `--dist loadgroup` keeps the browser tests
## on one worker.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -gt 2 ] && n=2; echo $$n)

test: $(VENV)/.installed-dev vendor
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup$(if $(filter 1,$(QUICK)), -m "not slow")

## The checks of `make test` without the tests, plus dead code (vulture, see pyproject.toml).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/vulture

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .

## The benchmarks of bench/: rendering the main pages, and the per-request cost of the
## content-events checks (docs/performance.md); search, sitemaps and feeds on a
## 100,000-article site (SQLite; PostgreSQL when BENCH_DATABASE_URL is set: its tables
## are dropped and rebuilt, so give it a database of its own); then the main pages over
## HTTP (gunicorn, wrk) against a Flask hello world and nginx serving a file, whose table
## replaces the one in docs/performance.md (needs `apt-get install -y wrk nginx-light`);
## how long a publish takes to show through nginx, purged by URL or not (needs
## libnginx-mod-http-cache-purge);
## what the first reader after a publish pays (Redis at 127.0.0.1:6379 for its last rows);
## how every kind of page grows from 1,000 to 100,000 articles with caches off (in
## process; SQLite, and PostgreSQL when BENCH_DATABASE_URL is set); and `portal import`,
## `export` and `import-site` of 100,000 articles (time, peak memory): each of those
## tables replaces its own in docs/performance.md.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/render_pages.py
	$(BIN)/python bench/coherence.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/feeds_sitemaps.py
	$(BIN)/python bench/after_publish.py --write-docs
	$(BIN)/python bench/list_growth.py --write-docs
	$(BIN)/python bench/http_bench.py --write-docs
	$(BIN)/python bench/edge_publish.py --write-docs
	$(BIN)/python bench/exchange.py --write-docs

## Front-end libraries (TinyMCE) from npm, exactly as package-lock.json pins them, into
## the git-ignored node_modules/. Without npm the portal still works: the article
## editor is then a plain HTML textarea.
vendor:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: skipping the front-end libraries (the article editor will be a plain HTML textarea)"; \
	elif [ node_modules/.package-lock.json -nt package-lock.json ]; then \
	  echo "node_modules is up to date"; \
	else \
	  npm ci --no-audit --no-fund; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) node_modules build dist *.egg-info .pytest_cache .ruff_cache
