# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make demo   creates .venv, installs the bot, indexes the bundled policy into SQLite and answers a question
#   make test   creates .venv with the dev and semantic extras and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QUESTION ?= Who has to approve a new council Facebook page?
TORCH_VERSION ?= 2.13.0
# The suite runs on every core (pytest-xdist); each worker has its own PostgreSQL database and SQLite files.
# Tests marked xdist_group("embeddings") share one worker, so the model is loaded and each text embedded once.
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: demo test install install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "torch==$(TORCH_VERSION)"
	$(BIN)/pip install --quiet -e ".[dev,semantic]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/policybot index
	$(BIN)/policybot ask "$(QUESTION)"

# Bytecode is kept (__pycache__, ignored by git) even where the environment says not to write it: without
# it every worker and every `policybot` process the tests start compiles the bot and re-rewrites the tests.
test: install-dev
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache
