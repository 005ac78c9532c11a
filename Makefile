# The two commands: `make run` and `make test`. Every other target is a step they are built from.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi.py

# The PostgreSQL and Redis the second test run uses (override on the command line).
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS ?= redis://127.0.0.1:6379/15
# The plan's text, beside the repository, lets a test check the targets' quoted wording.
PLAN_TEXT ?= $(wildcard ../shared/seed/000_b19521e93b2b759c.txt)
export PLAN_TEXT


.PHONY: run test install system-deps bench-deps translations lint format migrate seed serve test-sqlite test-postgres clean

run: install translations migrate seed serve

test: install system-deps translations lint
	@bash scripts/run-tests.sh "$(TEST_PG_URL)" "$(TEST_REDIS)"

# The project itself is installed (editable) for its `flask seed` entry point.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet -e . --no-deps
	touch $(STAMP)

install: $(STAMP)

# Debian packages the browser tests need: Chromium and a CJK font (else Chinese shows as boxes).
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
		else echo "browser tests need: apt-get install chromium fonts-wqy-microhei (as root)"; fi; \
	fi

translations: install
	$(BIN)/pybabel compile -d finplatform/translations

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed reference
	$(BIN)/flask seed demo --size demo --skip-if-loaded
	$(BIN)/flask seed demo-accounts

# The demo world's history ends on 2014-12-31: the demo instance is shown as of that day.
DEMO_TODAY ?= 2014-12-31

serve: install
	FINPLATFORM_TODAY=$(DEMO_TODAY) $(BIN)/flask run --host 127.0.0.1 --port 5000

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o finplatform/translations/messages.pot .
	$(BIN)/pybabel update -i finplatform/translations/messages.pot -d finplatform/translations

# Tools for the benchmarks in bench/ (the load test's generator); not needed by the suite.
bench-deps: install
	$(BIN)/pip install --quiet -r requirements-bench.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
