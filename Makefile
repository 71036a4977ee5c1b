# Seatwise: `make demo` runs the whole pipeline on a demo centre and serves it; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINT_PATHS := features forecasting scheduling api tests benchmarks
TYPED_PATHS := features forecasting scheduling api

.PHONY: install demo test lint services bench bench-peers clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/seatwise demo

services:
	bash scripts/ensure_services.sh

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy $(TYPED_PATHS)

test: $(STAMP) services lint
	$(BIN)/pytest

bench: $(STAMP)
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

# Peers (statsforecast, pyworkforce) pin versions that conflict with ours: they get their own venv.
bench-peers: $(STAMP)
	test -x .venv-peers/bin/python || $(PYTHON) -m venv .venv-peers
	.venv-peers/bin/pip install --quiet 'statsforecast>=2.0' 'pyworkforce==0.5.1' 'pandas<3'
	$(BIN)/python benchmarks/forecast_accuracy.py
	$(BIN)/python benchmarks/erlang.py
	$(BIN)/python benchmarks/roster.py

clean:
	rm -rf $(VENV) .venv-peers data/ tests/artifacts .pytest_cache .mypy_cache .ruff_cache
