# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUF_VERSION := 1.75.0
BUF := .tools/node_modules/.bin/buf
CERTS := certs-dev/out
# The console's browser tests drive Debian's Chromium (never a browser downloaded by
# Playwright); `make test` installs it when missing (apt-get, as root).
CHROMIUM := /usr/bin/chromium
# The PostgreSQL store's tests start real servers from Debian's `postgresql` package
# (tests/pg_servers.py); `make test` installs it when no initdb is there.
PG_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))

.PHONY: all demo test test-slow lint proto certs bench clean distclean pg

all: test

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

$(BUF):
	npm install --no-audit --no-fund --silent --prefix .tools @bufbuild/buf@$(BUF_VERSION)

certs: $(STAMP)
	$(BIN)/python certs-dev/generate.py --out $(CERTS)

proto: $(STAMP)
	$(BIN)/python protos/generate.py

demo: $(STAMP) certs
	$(BIN)/argos demo --certs $(CERTS)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	else \
		echo "the console's browser tests need Debian's chromium: sudo apt-get install chromium" >&2; \
		exit 1; \
	fi

pg:
	@if [ -z "$(PG_INITDB)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends postgresql; \
		else \
			echo "the PostgreSQL store's tests need Debian's postgresql: sudo apt-get install postgresql" >&2; \
			exit 1; \
		fi; \
	fi

test: $(STAMP) $(CHROMIUM) pg
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=30 -m "not slow"

# The tests marked slow (named in the README): the suite's 20 minutes leave them out.
test-slow: $(STAMP) $(CHROMIUM) pg
	$(BIN)/python -m pytest -q -n auto --dist loadfile --durations=30 -m slow

# BENCH_SCALE=small for a quick run; results in bench-results.json (not committed).
bench: $(STAMP) certs
	$(BIN)/python -m tests.bench

lint: $(STAMP) $(BUF)
	$(BIN)/ruff check .
	$(BUF) lint
	@if git rev-parse --verify --quiet main >/dev/null; then \
		echo "$(BUF) breaking --against .git#branch=main"; \
		$(BUF) breaking --against '.git#branch=main'; \
	else echo "buf breaking: no main branch yet, skipped"; fi

clean:
	rm -rf .pytest_cache demo-data bench-results.json

distclean: clean
	rm -rf $(VENV) .tools $(CERTS)
