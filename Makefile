# Everything starts from nothing: the virtualenv is created and the project installed on demand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test lint typecheck unit bench clean test-warehouses warehouse-system

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/policydsl check policies/sanmenxia
	$(BIN)/policydsl eval policies/sanmenxia policies/sanmenxia/examples/profiles/lingbao-little-giant.json --as-of 2024-06-01 --param three_upgrades.cap=500
	$(BIN)/policydsl explain policies/sanmenxia policies/sanmenxia/examples/profiles/lingbao-little-giant.json M2 --as-of 2024-06-01 --param three_upgrades.cap=500

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not warehouse"

test: lint typecheck unit
	$(BIN)/policydsl fmt --check policies docs/tutorial
	$(BIN)/policydsl test policies/sanmenxia docs/tutorial/matching.pol docs/tutorial/scoring/innovative.pol policies/national

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# The peer engines (the `bench` extra). If the extra cannot be installed whole, each peer is tried
# alone, so one that does not install is reported by the bench as not available instead of all.
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[bench]' || \
	  $(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['bench'], sep='\n')" | \
	  while read -r peer; do $(BIN)/python -m pip install --quiet "$$peer" || echo "warning: $$peer did not install"; done
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

# The `policydsl sql` queries run on a real PostgreSQL and a real Spark (tests/batch/test_warehouses.py).
# PostgreSQL's server and a Java runtime come from the system's packages, installed when missing.
WAREHOUSE_STAMP := $(VENV)/.warehouse-installed

$(WAREHOUSE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[warehouse]'
	touch $(WAREHOUSE_STAMP)

warehouse-system:
	@if command -v java >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; else \
	  echo "installing PostgreSQL and a Java runtime (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openjdk-17-jre-headless >/dev/null; \
	fi

test-warehouses: $(WAREHOUSE_STAMP) warehouse-system
	$(BIN)/python -m pytest -m warehouse tests/batch/test_warehouses.py
