# Việc khó registry — developer and CI entry points.  `make help` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.NOTPARALLEL:

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := FLASK_APP=registry $(BIN)/flask --app registry

# Stamps: re-install whenever pyproject.toml changes.
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

TRANSLATIONS := registry/translations
POT          := $(TRANSLATIONS)/messages.pot
LOCALES      := vi en

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

# `sudo` when not root and sudo exists; empty when root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && echo sudo; })

.PHONY: help venv install install-test translations messages run test bench crash-test soak clean

help: ## List the targets
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1|\2/' | column -t -s '|' 2>/dev/null \
	  || grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1  \2/'

# --- virtualenv -------------------------------------------------------------

$(BIN)/pip:
	@echo "==> creating $(VENV) with $(PYTHON)"
	@if ! $(PYTHON) -m venv $(VENV); then \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] || [ -n "$(SUDO)" ]; then \
	    echo "==> python venv/ensurepip missing: installing python3-venv with apt-get"; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv && \
	    $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "ERROR: '$(PYTHON) -m venv' failed; install python3-venv (apt-get install python3-venv)." >&2; exit 1; \
	  fi; \
	fi
	$(BIN)/python -m pip install --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/pip
	@echo "==> installing the app (pip install -e .)"
	$(BIN)/pip install -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/pip
	@echo "==> installing the app with test extras (pip install -e \".[test]\")"
	$(BIN)/pip install -e ".[test]"
	@touch $@ $(RUN_STAMP)

venv: $(BIN)/pip ## Create .venv (installing python3-venv with apt-get if needed)

install: $(RUN_STAMP) ## Create .venv and install the app

install-test: $(TEST_STAMP) ## Create .venv and install the app with test extras

# --- translations -----------------------------------------------------------

translations: $(RUN_STAMP) ## Compile translation catalogs (.po -> .mo)
	@if ls $(TRANSLATIONS)/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  echo "==> compiling translations"; \
	  $(BIN)/pybabel compile -d $(TRANSLATIONS); \
	else \
	  echo "==> no translation catalogs in $(TRANSLATIONS) yet; nothing to compile"; \
	fi

messages: $(RUN_STAMP) ## Extract messages and update the vi/en catalogs (developers)
	@mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel extract -F registry/babel.cfg -k _l -k lazy_gettext -o $(POT) registry
	@for locale in $(LOCALES); do \
	  if [ -f $(TRANSLATIONS)/$$locale/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i $(POT) -d $(TRANSLATIONS) -l $$locale || exit 1; \
	  else \
	    $(BIN)/pybabel init -i $(POT) -d $(TRANSLATIONS) -l $$locale || exit 1; \
	  fi; \
	done

# --- run --------------------------------------------------------------------

run: install translations ## Migrate, load demo data, print demo logins, serve on 127.0.0.1:5000
	@mkdir -p instance
	@scripts/ensure-pdf-deps.sh
	@echo "==> applying database migrations"
	$(FLASK) db upgrade
	@echo "==> loading demo data (only when absent)"
	$(FLASK) demo
	@echo "==> demo accounts"
	$(FLASK) demo-logins
	@echo "==> serving on http://127.0.0.1:5000 with the background job worker (Ctrl-C stops both)"
	@$(FLASK) jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(BIN)/gunicorn -w 2 -b 127.0.0.1:5000 "registry:create_app()"

# --- test -------------------------------------------------------------------

test: install-test ## Full suite on SQLite (incl. browser tests), then db tests on PostgreSQL
	@$(MAKE) --no-print-directory translations
	@echo "==> [test 1/3] ensuring Chromium for browser tests, the libraries and fonts for PDF exports, redis-server"
	@scripts/ensure-chromium.sh
	@scripts/ensure-pdf-deps.sh
	@scripts/ensure-redis.sh
	@echo "==> [test 2/3] pytest: whole suite on SQLite"
	@sqlite=0; $(BIN)/pytest || sqlite=$$?; \
	echo "==> [test 3/3] pytest -m db on PostgreSQL"; \
	postgres=0; scripts/test-postgres.sh || postgres=$$?; \
	echo "==> results: SQLite suite exit $$sqlite, PostgreSQL db suite exit $$postgres"; \
	if [ $$sqlite -ne 0 ] || [ $$postgres -ne 0 ]; then echo "==> TESTS FAILED" >&2; exit 1; fi; \
	echo "==> all tests passed"

# --- bench ------------------------------------------------------------------

bench: install ## Served benchmark (gunicorn + wrk, province scale), then the in-process page timings
	@command -v wrk >/dev/null 2>&1 || { echo "==> installing wrk with apt-get"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }
	$(BIN)/python -m benchmarks.served $(BENCH_ARGS)
	@echo "==> secondary: in-process page timings (python -m benchmarks)"
	$(BIN)/python -m benchmarks

# --- reliability (not part of `make test`) ----------------------------------

$(BENCH_STAMP): pyproject.toml | $(BIN)/pip
	@echo "==> installing the app with the load-test extras (pip install -e \".[bench]\")"
	$(BIN)/pip install -e ".[bench]"
	@touch $@ $(RUN_STAMP)

crash-test: $(BENCH_STAMP) translations ## kill -9 gunicorn at 20 random moments under 8 writers (SQLite, and PostgreSQL when it can start); prints figures
	$(BIN)/python -m benchmarks.crash $(CRASH_ARGS)

soak: $(BENCH_STAMP) translations ## 50 simulated users (locust), 80 % reads / 20 % writes for 5 minutes; prints figures
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

# --- clean ------------------------------------------------------------------

clean: ## Remove .venv and caches
	rm -rf $(VENV) .pytest_cache .hypothesis build test-artifacts .pg *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
