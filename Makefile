# Two commands: `make run` (set up, then run the tool on its embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean

run: $(STAMP)
	$(BIN)/cps-assess serve

test: $(STAMP)
	@if command -v npm >/dev/null && [ ! -f tests/js/node_modules/axe-core/axe.min.js ]; then \
		npm ci --prefix tests/js --no-audit --no-fund; fi
	$(BIN)/ruff check .
	$(BIN)/pytest

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
