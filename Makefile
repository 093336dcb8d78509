# One command checks everything: `make check` (format, lint, types, tests). CI runs it.
PYTHON ?= python3

.PHONY: check format format-check lint types test bench

check: format-check lint types test

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

format-check:
	$(PYTHON) -m ruff format --check .

lint:
	$(PYTHON) -m ruff check .

types:
	$(PYTHON) -m mypy

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
test:
	@$(PYTHON) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

bench:
	$(PYTHON) bench/ingest_and_search.py
