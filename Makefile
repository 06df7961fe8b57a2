# OpenPHB. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := build/nhsuk/.installed
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OpenPHB needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -rf build/nhsuk
	mkdir -p build/nhsuk/static/nhsuk build/nhsuk/root
	cp $(NHSUK)/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js build/nhsuk/static/nhsuk/
	cp -r $(NHSUK)/assets build/nhsuk/root/assets
	@touch $@

.PHONY: install
install: pdf-libs $(INSTALLED) $(ASSETS) ## Create .venv, install Python packages and the NHS.UK frontend

# WeasyPrint (offer letters as PDF) draws text with Pango and subsets fonts with HarfBuzz.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
.PHONY: pdf-libs
pdf-libs:
	@if ! ldconfig -p | grep -q libharfbuzz-subset.so.0 || ! ldconfig -p | grep -q libpangoft2-1.0.so.0; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Pango and HarfBuzz for PDF letters"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS) >/dev/null; \
	  else \
	    echo "PDF letters need Pango and HarfBuzz: sudo apt-get install $(PDF_LIBS)" >&2; exit 1; \
	  fi; \
	fi

.PHONY: migrate
migrate: install
	$(BIN)/phb migrate --noinput

.PHONY: demo
demo: migrate ## Set up, load the demo world and serve it on http://127.0.0.1:8000
	$(BIN)/phb demo-data
	@echo "Serving OpenPHB on http://$(HOST):$(PORT)/ (Ctrl-C to stop). Background jobs run alongside."
	@$(BIN)/phb db_worker --no-startup-delay >var/worker.log 2>&1 & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/phb runserver $(HOST):$(PORT)

.PHONY: chromium
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

.PHONY: test
test: install chromium ## Run the whole suite (DATABASE_URL=postgres://... for PostgreSQL)
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff, formatting, migrations and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/phb makemigrations --check --dry-run
	$(BIN)/mypy

.PHONY: format
format: install ## Reformat the code
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

.PHONY: bench
bench: install ## Run every benchmark at small scale
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script --scale small || exit 1; done

.PHONY: screenshots
screenshots: install chromium ## Retake the README's screenshots (docs/screenshots)
	$(BIN)/python tests/system/screenshots.py

.PHONY: clean
clean: ## Remove the virtualenv, assets and local database
	rm -rf $(VENV) node_modules build var
