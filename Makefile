# Two commands do all the set-up: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE ?= resources/examples/two_class/two_class.kgproj

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,cluster]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kerasgui $(EXAMPLE)

test: $(STAMP)
	KERASGUI_BLOCK_QT=1 $(BIN)/python -m pytest -q -p no:cacheprovider -p no:pytest-qt tests/core
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider tests/ui

lint: $(STAMP)
	$(BIN)/ruff check kerasgui tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
