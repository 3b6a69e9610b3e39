# Two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint typecheck bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

# The default demo cluster is broken on purpose: kopscheck exits 1 (make then says "Error 1").
demo: $(STAMP)
	@$(BIN)/kopscheck demo; code=$$?; \
	echo "make demo: kopscheck exited $$code (1 = unhealthy cluster found, as this demo expects)" >&2; \
	exit $$code

lint: $(TEST_STAMP)
	$(BIN)/ruff check kopscheck checks tests tools benchmarks
	$(BIN)/ruff format --check kopscheck checks tests tools benchmarks

typecheck: $(TEST_STAMP)
	$(BIN)/mypy kopscheck checks

test: lint typecheck
	$(BIN)/python -m pytest -q

# Every reader fuzzed with 10,000 cases (make test runs a quick profile of the same tests).
fuzz: $(TEST_STAMP)
	KOPSCHECK_FUZZ_EXAMPLES=$${KOPSCHECK_FUZZ_EXAMPLES:-10000} $(BIN)/python -m pytest -q tests/test_fuzz.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
