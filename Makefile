# Two entry points for a newcomer: `make example` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: example test lint system-deps benchmarks clean

example: system-deps $(VENV)/.installed
	$(BIN)/perfgen build specs/2020/chengde-gaoxin-guotu.yaml

test: system-deps $(VENV)/.installed-test lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, the import layers (pyproject.toml [tool.importlinter]) and the type checker
lint: $(VENV)/.installed-test
	$(BIN)/python -m ruff check --no-cache perfgen tests tools benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m mypy --cache-dir=/dev/null

# LibreOffice, python3-uno, poppler and CJK fonts (apt-get; skipped when already installed)
system-deps:
	bash scripts/install-system-deps.sh

benchmarks: system-deps $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed scripts/install-editor-tools.sh
	$(BIN)/python -m pip install --quiet -e '.[test]'
	bash scripts/install-editor-tools.sh
	touch $@

clean:
	rm -rf build $(VENV)
