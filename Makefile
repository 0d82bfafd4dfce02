# `make run` sets everything up and runs the app; `make test` runs the whole test suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/outsourcing

.PHONY: run test install lint audit check-pg clean bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var/broker/out var/broker/processed var/broker/control
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Outsourcing Desk is starting on http://127.0.0.1:$${PORT:-8000}/"
	@echo "  Demo logins (password: demo-pass-2026):"
	@echo "    owner  owner@demo.example   coach  coach@demo.example"
	@echo "  Admin (staff): admin@demo.example  ·  Stop with Ctrl+C."
	@echo
	$(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	@echo "== deploy check with production settings =="
	DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=desk.example.com \
		DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	@$(MAKE) --no-print-directory audit

# Known vulnerabilities in the installed packages. Security lint of our own code is ruff's
# "S" rules (bandit's checks) in `ruff check`. pip-audit needs PyPI's JSON API: when it cannot
# reach it, the audit is skipped with a warning instead of failing the build.
audit: install
	@mkdir -p var
	@if $(BIN)/pip-audit --strict --progress-spinner off --skip-editable >var/pip-audit.log 2>&1; then \
		echo "pip-audit: no known vulnerabilities"; \
	elif grep -Eq "Found [0-9]+ known vulnerabilit" var/pip-audit.log; then \
		cat var/pip-audit.log; exit 1; \
	elif grep -Eq "could not be audited|ConnectionError|Max retries|Failed to establish" var/pip-audit.log; then \
		echo "WARNING: pip-audit SKIPPED: its vulnerability database is not reachable (var/pip-audit.log)"; \
	else \
		cat var/pip-audit.log; exit 1; \
	fi

# The whole suite on SQLite, then its database part on PostgreSQL when reachable
# (under CI=true it must be reachable; tests needing Redis fail there instead of skipping).
test: lint
	$(BIN)/pytest -n 2 --dist loadfile
	@if $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 1)' 2>/dev/null; then \
		echo "== PostgreSQL pass =="; \
		DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n 2 --dist loadfile -m "not e2e"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true requires it"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL pass — nothing listens on 127.0.0.1:5432"; \
	fi

# The benchmark at the issue's scale (several minutes; writes bench/RESULTS.md). Uses SQLite
# under var/bench/ and, when it answers on 127.0.0.1:5432, PostgreSQL databases named
# outsourcing_bench_*. BENCH_ARGS e.g. "--scale tiny" or "--no-postgres".
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/db.sqlite3 var/broker var/celerybeat-schedule*
