# Every target builds its own virtual environment from the package registries.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The suite mostly waits on servers and sandboxes: two workers halve it on two cores.
TEST_WORKERS ?= 2

.PHONY: test lint demo sandbox clean references bench

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

demo: $(STAMP)
	$(BIN)/ecs-dr-mcp demo

sandbox: $(STAMP)
	$(BIN)/ecs-dr-sandbox --port 0 --access-key-id sandbox --access-key-secret sandbox-secret

# QUICK=1: one repetition each, a smoke run of every benchmark.
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick)

references: $(STAMP)
	$(BIN)/python -m ecs_dr.references --write references/

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
