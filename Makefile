# make run   — start the whole system on SQLite (needs RabbitMQ; starts a local one if it can)
# make test  — bring up the local RabbitMQ/PostgreSQL the tests need, then run them all
# make faults — the fault suite: 10 seeded runs under kill -9 and a RabbitMQ restart, counted
# make bench — time candidate ranking among 10,000 volunteers (prints p50/p95; target p95 < 50 ms)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; reinstall only when pyproject.toml is newer.
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?= -q -ra -p no:cacheprovider --strict-markers

.PHONY: venv run test lint bench faults clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: venv
	$(BIN)/python deploy/run.py

lint: venv
	$(BIN)/ruff check shared services cli deploy tests
	$(BIN)/mypy

test: venv lint
	bash deploy/prepare-test-env.sh
	$(BIN)/python -m pytest $(PYTEST_FLAGS) $(ARGS)

faults: venv
	bash deploy/prepare-test-env.sh
	$(BIN)/python -m tests.faults.run --runs 10 --compare $(ARGS)

bench: venv
	$(BIN)/python scripts/bench_candidates.py $(ARGS)

clean:
	rm -rf var/
