# fwp-sandbox: `make run` starts the sandbox, `make test` runs lint, types and the whole suite.
# The virtualenv is created and filled from constraints.txt (the lock file) on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8080
WORKERS ?= 1
DATABASE ?= sqlite:///var/fwp-sandbox.db

.PHONY: install run lint tools clients test test-fast contract bench load lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/fwp-sandbox serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --database $(DATABASE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# What the server tests drive besides Python: curl and jq (the README walk-through), Debian's
# Chromium (the browser tests, through Playwright), Node.js (the example command adapter), npm
# (the TypeScript client and Spectral, below) and HAProxy (the multi-instance sandbox,
# tests/load/test_cluster.py). Installed from Debian when missing; each entry is command:package.
# And axe-core from npm (the console's accessibility test), pinned by tests/server/axe's lock file.
TOOLS := jq:jq curl:curl chromium:chromium node:nodejs npm:npm haproxy:haproxy
tools:
	@missing="$$(for t in $(TOOLS); do command -v $${t%%:*} >/dev/null || echo $${t#*:}; done)"; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; fi
	$(MAKE) --no-print-directory axe

# The TypeScript client's generator, tsc and Spectral, exactly as clients/package-lock.json pins them.
clients/node_modules/.installed-stamp: clients/package.json clients/package-lock.json
	npm ci --prefix clients --no-audit --no-fund --loglevel=error
	touch $@

clients: tools clients/node_modules/.installed-stamp

# The whole suite: `-m ""` lifts the fast default selection (server and browser tests included);
# then the in-process API tests again on SQLite with the speed-ups off (FWP_SPEEDUPS=0: stock
# connexion, Flask and uvicorn; about 2 minutes), since every request goes through what they patch.
test: lint tools clients
	$(BIN)/python -m pytest -m ""
	FWP_SPEEDUPS=0 $(BIN)/python -m pytest tests/api -q -m "not postgres"

# The fast selection a bare `pytest` runs: unit and in-process API tests.
test-fast: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

.PHONY: axe screenshots
# axe-core for the console's accessibility test, from npm, pinned by its lock file.
axe:
	npm ci --prefix tests/server/axe --no-audit --no-fund --silent

# A PNG of each console page in docs/screenshots (the browser walk, keeping its pictures).
screenshots: install tools
	FWP_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q -m server tests/server/test_console_browser.py

# A load profile (load/profiles/) judged by its objectives, on an embedded sandbox unless SANDBOX=URL.
PROFILE ?= default
USERS ?= 10
DURATION ?= 60s
load: install
	$(BIN)/fwp-sandbox load run --profile $(PROFILE) --users $(USERS) --duration $(DURATION) \
		$(if $(SANDBOX),--sandbox $(SANDBOX)) --report-dir fwp-load-report

# Re-pin every dependency after changing pyproject.toml's ranges.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache clients/node_modules
