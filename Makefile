# The two quick-start commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck bench bench-db routes clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "CovetPy needs Python 3.11+" or 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@ $(VENV)/.installed

## Serve the reference app on the embedded defaults at http://127.0.0.1:8000. First its database
## (./covet.db, or DATABASE_URL) is migrated to the newest revision, and seeded while empty.
## The key its tokens are signed with is COVET_JWT_SECRET when set, else .covet-jwt-secret:
## 48 random bytes made on the first run (gitignored, readable by you alone).
JWT_SECRET_FILE ?= .covet-jwt-secret

$(JWT_SECRET_FILE): | $(BIN)/python
	@umask 077 && $(BIN)/python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(48)).decode())' > $@.tmp && mv $@.tmp $@
	@echo "made $@ (the token signing key of make run)"

run: $(VENV)/.installed | $(JWT_SECRET_FILE)
	@export COVET_JWT_SECRET="$${COVET_JWT_SECRET:-$$(cat $(JWT_SECRET_FILE))}" && \
	$(BIN)/covet db upgrade --config specs/covet.yaml && \
	$(BIN)/covet db seed --config specs/covet.yaml && \
	$(BIN)/covet run --config specs/covet.yaml

## Install the dev extras and run the whole suite
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check engine tests handlers schema

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

routes: $(VENV)/.installed
	$(BIN)/covet routes --config specs/covet.yaml

## Side-by-side HTTP benchmark against raw ASGI, FastAPI, Litestar and Connexion (own venv)
bench:
	$(PYTHON) bench/run.py

## Same SQLAlchemy code on PostgreSQL: CovetPy vs a bare ASGI app and FastAPI (bench/db/README.md)
bench-db:
	$(PYTHON) bench/db/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
