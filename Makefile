# The two commands: `make run` and `make test`. Everything a fresh machine needs is installed from here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install system-deps lock lint bench bench-deps clean

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Debian packages the pages and browser tests need: Chromium, a CJK font and Noto Sans Mongolian (in
## fonts-noto-core) for the two scripts' titles (as root; skipped when present).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' \
		|| ! fc-list 2>/dev/null | grep -qi 'noto sans mongolian'; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei fonts-noto-core; \
	fi

## Serve everything on 127.0.0.1:8000 with the embedded SQLite databases under var/ (Ctrl-C stops).
run: $(STAMP)
	$(PY) -m deploy.run

## The whole suite, on SQLite and on PostgreSQL (127.0.0.1:5432, or TEST_PG_DSN).
test: $(STAMP) system-deps
	$(PY) -m pytest

## Re-pin the dependencies after changing pyproject.toml.
lock:
	$(VENV)/bin/pip install --quiet uv==0.9.5
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

## Benchmarks on PostgreSQL at N households (BENCH_N, default 1000000): one JSON summary, bench/results.json.
bench: $(STAMP) bench-deps
	$(PY) -m bench

## wrk drives the gateway benchmark's 100 concurrent clients from C, so the load generator stays light.
bench-deps:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf var .pytest_cache
