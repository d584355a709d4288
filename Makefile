# govhall — the two commands are `make run` and `make test`; both set up everything they need.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEB_STAMP := var/.debian-installed
DEB_PACKAGES := fonts-wqy-microhei poppler-utils chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
HOST ?= 127.0.0.1
PORT ?= 8000
export GOVHALL_HOST := $(HOST)
export GOVHALL_PORT := $(PORT)

.PHONY: install run test test-fast bench lint fmt seed clean debian

install: $(STAMP) $(DEB_STAMP)

# Debian packages: the CJK font for PDFs, pdftotext for tests, Chromium for browser tests.
$(DEB_STAMP):
	@mkdir -p var
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

run: install
	@bash scripts/run.sh

test: install
	@bash scripts/test.sh

bench: install
	$(BIN)/python -m pytest bench -p no:cacheprovider -q --benchmark-only --benchmark-columns=min,median,max,rounds -o testpaths=bench -o python_files='bench_*.py' $(BENCH_ARGS)
	$(BIN)/python bench/bench_catalog_search.py
	$(BIN)/python bench/bench_cases.py
	$(BIN)/python bench/bench_supervise.py
	$(BIN)/python bench/bench_inquiries.py
	$(BIN)/python bench/bench_ratings.py
	$(BIN)/python bench/bench_hall.py
	$(BIN)/python bench/bench_queue.py
	$(BIN)/govhall migrate --noinput -v 0 && $(BIN)/govhall seed_demo > /dev/null
	$(BIN)/python bench/bench_portal.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

fmt: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf var/govhall.sqlite3* var/huey.sqlite3* var/static
