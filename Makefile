# Pesanan: `make run` serves with demo data, the worker beside the server (one command, both
# stop together); `make test` runs the whole suite on SQLite and PostgreSQL. Both set
# themselves up (virtualenv, install) on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
export PESANAN_DATABASE_URL ?= sqlite:///$(CURDIR)/var/pesanan.db

.PHONY: run test check venv install test-db migrate bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv install: $(STAMP)

run: $(STAMP)
	bash scripts/ensure-system-packages.sh
	mkdir -p var
	$(BIN)/pesanan db upgrade
	$(BIN)/pesanan demo --days 14 --once --url http://$(HOST):$(PORT)
	$(BIN)/pesanan serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --with-worker

test: $(STAMP)
	bash scripts/ensure-test-services.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/place_orders.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var test-output
