# Two entry points for a fresh machine: `make demo` (the main job) and `make test`.
# Both install what they need, idempotently: a virtual environment in .venv with the pinned
# CPU PyTorch, and (as root, via apt-get) the Debian font packages of the built-in dataset.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fonts install

DEMO_MINUTES ?= 10

demo: install fonts
	DEMO_MINUTES=$(DEMO_MINUTES) bash scripts/demo.sh

test: install fonts
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

bench: install fonts
	$(BIN)/python benchmarks/data_load.py
	$(BIN)/python benchmarks/train_throughput.py

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

fonts:
	@bash scripts/ensure-fonts.sh
