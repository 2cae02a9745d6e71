# Two commands on a fresh Debian machine: `make run` and `make test`.
# Each installs only what is missing, so a second run is quick and changes nothing.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
DEB_PACKAGES := postgresql-15-postgis-3 postgresql-contrib gdal-bin chromium chromium-driver \
                fonts-dejavu-core \
                poppler-utils
PY_STAMP := $(VENV)/.installed
JS_STAMP := node_modules/.installed

.PHONY: run test deps system-deps python-deps js-deps setup lint db-start db-stop db-status \
        bench clean

run: deps ## install what is missing, start PostGIS, load the dataset, serve on 127.0.0.1:8000
	$(BIN)/gis serve

test: deps ## ruff and the test suite, against a real PostGIS
	$(BIN)/ruff check .
	$(BIN)/pytest

deps: system-deps python-deps js-deps

system-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done; \
	  command -v npm >/dev/null || echo nodejs npm); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    $$missing >/dev/null; \
	fi

python-deps: $(PY_STAMP)
$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

js-deps: $(JS_STAMP)
$(JS_STAMP): package.json $(wildcard package-lock.json)
	npm install --no-audit --no-fund --loglevel=error
	touch $@

setup: deps ## start the database, migrate and load the dataset
	$(BIN)/gis setup

lint: python-deps
	$(BIN)/ruff check .

db-start: python-deps
	$(BIN)/gis db start
db-stop: python-deps
	$(BIN)/gis db stop
db-status: python-deps
	$(BIN)/gis db status

bench: deps ## benchmarks against tipg and pygeoapi, and under load (docs/benchmarks.md)
	@command -v wrk >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@# the peers live in a venv of their own (benchmark-only, not the app's dependencies)
	@[ -x .venv-bench/bin/python ] || $(PYTHON) -m venv .venv-bench
	@[ -x .venv-bench/bin/pygeoapi ] || .venv-bench/bin/pip install -q tipg uvicorn \
	  pygeoapi psycopg2-binary sqlalchemy geoalchemy2
	$(BIN)/python -m benchmarks api
	$(BIN)/python -m benchmarks load
	$(BIN)/python -m benchmarks maps
	$(BIN)/python -m benchmarks dashboard

clean:
	-$(BIN)/gis db stop
	rm -rf $(VENV) node_modules .pgdata
