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

.PHONY: install run lint tools test contract bench load lock clean

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
# Chromium (the browser tests, through Playwright) and HAProxy (the multi-instance sandbox,
# tests/load/test_cluster.py). Installed from Debian when missing.
TOOLS := jq curl chromium haproxy
tools:
	@missing="$$(for t in $(TOOLS); do command -v $$t >/dev/null || echo $$t; done)"; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; fi

test: lint tools
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
