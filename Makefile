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

# The default demo cluster is broken on purpose: kopscheck's exit 1 is the expected verdict,
# so make succeeds on it (and fails on anything else, which would be a bug).
demo: $(STAMP)
	@$(BIN)/kopscheck demo; code=$$?; \
	if [ $$code -eq 1 ]; then \
		echo "make demo: exit 1 is the expected verdict: this demo cluster is broken on purpose"; \
	else \
		echo "make demo: kopscheck exited $$code, but this broken demo should exit 1" >&2; \
		exit 1; \
	fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check kopscheck checks tests tools benchmarks
	$(BIN)/ruff format --check kopscheck checks tests tools benchmarks

typecheck: $(TEST_STAMP)
	$(BIN)/mypy kopscheck checks

test: lint typecheck
	$(BIN)/python -m pytest -q -rs --durations=15

# Every reader fuzzed with 10,000 cases (make test runs a quick profile of the same tests).
fuzz: $(TEST_STAMP)
	KOPSCHECK_FUZZ_EXAMPLES=$${KOPSCHECK_FUZZ_EXAMPLES:-10000} $(BIN)/python -m pytest -q tests/test_fuzz.py tests/test_fuzz_more.py \
		tests/test_fuzz_redact.py tests/test_fuzz_documents.py

# make bench BENCH_ARGS=--full for 5,000 nodes (needs ~8 GB of disk and ~15 minutes)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info
