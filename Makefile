# sarex: the two set-up commands are `make demo` and `make test`; both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev,bench
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# numba keeps compiled kernels in a per-user cache chosen by the package (sarex/_numba_cache.py).

.PHONY: install lint test test-fast test-slow demo serve docs docs-tables bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check src tests tools benchmarks
	$(VENV)/bin/lint-imports
	$(PY) tools/import_cycles.py
	$(VENV)/bin/mypy
	$(PY) tools/function_sizes.py src/sarex
	$(PY) tools/local_imports.py

# make test: everything but the cases marked slow (CI runs those too: make test-slow)
test: install
	$(PY) -m pytest -q -m "not slow"

test-fast: test

test-slow: install
	$(PY) -m pytest -q -m slow

demo: install
	$(VENV)/bin/sarex demo --out out --force

serve: install
	$(VENV)/bin/sarex serve --data out/server --demo

# make docs: the site (guides + API reference from the docstrings) into build/site, warnings as errors
docs: install
	$(VENV)/bin/mkdocs build --strict

# make docs-tables: regenerate the tables that tests write (docs/bad-input.md)
docs-tables: install
	SAREX_WRITE_DOCS=1 $(PY) -m pytest -q tests/test_bad_input.py -k doc_is_up_to_date

bench: install
	$(PY) benchmarks/drift_vs_opendrift.py
	$(PY) benchmarks/search_speed.py
	$(PY) benchmarks/planner_speed.py
	$(PY) benchmarks/exercise_run.py
	$(PY) benchmarks/exercise_replicates.py
	$(PY) benchmarks/forcing_memory.py
	$(PY) benchmarks/server_load.py

clean:
	rm -rf out .pytest_cache build dist src/*.egg-info
