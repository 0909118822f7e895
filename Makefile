# Two commands: `make run` (set up, then run the tool on its embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick lint setup clean

# SERVE_ARGS: options for `cps-assess serve`, e.g. make run SERVE_ARGS="--port 8001".
SERVE_ARGS ?=

run: $(STAMP)
	@[ -n "$$CPS_PUBLIC_URL" ] || echo "note: the URLs below are for a browser on this machine; an LMS needs the \
	tool's public https URL: put a TLS proxy in front and set CPS_PUBLIC_URL (docs/operations.md, Behind a TLS proxy)"
	$(BIN)/cps-assess serve $(SERVE_ARGS)

test: $(STAMP)
	@if command -v npm >/dev/null && [ ! -f tests/js/node_modules/axe-core/axe.min.js ]; then \
		npm ci --prefix tests/js --no-audit --no-fund; fi
	$(BIN)/ruff check .
	$(BIN)/pytest

# The quick subset (README.md, "Tests"): everything but the real-browser tests, the gunicorn-process tests, the
# fresh-venv install test and the PostgreSQL runs (the same tests run on SQLite), on QUICK_WORKERS pytest-xdist
# workers. Under 2 minutes on 2 cores; `make test` runs everything.
QUICK_MARKERS := not browser and not scale and not install and not postgres
QUICK_WORKERS ?= 2

test-quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(QUICK_WORKERS) -m "$(QUICK_MARKERS)"

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
