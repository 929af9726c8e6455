# make run   — start the whole system on SQLite (needs RabbitMQ; starts a local one if it can)
# make test  — bring up the local RabbitMQ/PostgreSQL the tests need, then run them all
# make faults — the fault suite: 10 seeded runs under kill -9 and a RabbitMQ restart, counted
# make env  — .env for docker compose from .env.example, each password generated
# make bench — every performance figure beside its target (bus vs raw broker, replay, reports, reads, candidates, two instances)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; reinstall only when pyproject.toml or the pins are newer.
STAMP := $(VENV)/.installed
# Every install is pinned to the versions the suite is tested with.
CONSTRAINTS := constraints.txt
PYTEST_FLAGS ?= -q -ra -p no:cacheprovider --strict-markers

.PHONY: venv run test lint bench faults clean constraints asyncapi env

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# PIP_CONSTRAINT also pins the build backend (setuptools) in pip's isolated build.
$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24,<27'
	PIP_CONSTRAINT=$(CURDIR)/$(CONSTRAINTS) $(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

# After changing a dependency: install it into .venv, then pin what is installed.
constraints:
	{ sed -n '1,/^# install it/p' $(CONSTRAINTS); \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -v -E '^(pip|py-spy)=='; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)

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
	$(BIN)/python -m tests.faults.run --runs 2 --compare --postgres $(ARGS)

bench: venv
	bash deploy/prepare-test-env.sh --no-browser
	$(BIN)/python -m scripts.bench $(ARGS)

# docs/asyncapi.json from the topology and the contract schemas (a unit test says when stale).
asyncapi: venv
	$(BIN)/lgv asyncapi > docs/asyncapi.json

# docker compose's passwords: each empty value of .env.example gets a fresh one; an .env is kept.
env: .env
.env:
	umask 077 && $(PYTHON) -c 'import re, secrets, sys; sys.stdout.write(re.sub(r"(?m)^([A-Z_]+)=$$", lambda m: m.group(1) + "=" + secrets.token_urlsafe(24), open(".env.example").read()))' > $@.new
	mv $@.new $@

clean:
	rm -rf var/
