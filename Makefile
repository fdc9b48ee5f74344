# Two commands on a fresh clone: `make demo` and `make test`. Each creates .venv and installs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# SDMetrics, the reference of the metric cross-check, needs pandas<3: it gets its own venv.
REFERENCE := .venv-sdmetrics
REFERENCE_STAMP := $(REFERENCE)/.installed

.PHONY: demo test lint typecheck imports unit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0  # the CPU build (neural extra)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(REFERENCE_STAMP):
	$(PYTHON) -m venv $(REFERENCE)
	$(REFERENCE)/bin/python -m pip install --quiet --upgrade pip
	$(REFERENCE)/bin/python -m pip install --quiet 'sdmetrics>=0.30,<1' 'pyarrow>=15'
	touch $(REFERENCE_STAMP)

demo: $(STAMP)
	$(BIN)/simulacra demo --out demo-output

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP) $(REFERENCE_STAMP)
	SIMULACRA_SDMETRICS_PYTHON=$(REFERENCE)/bin/python $(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck imports unit

clean:
	rm -rf $(VENV) $(REFERENCE) demo-output .pytest_cache .mypy_cache .ruff_cache
