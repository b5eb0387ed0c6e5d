# Two entry points for a newcomer: `make example` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: example test templates clean

example: $(VENV)/.installed
	$(BIN)/perfgen build specs/2020/chengde-gaoxin-guotu.yaml

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

templates: $(VENV)/.installed
	$(BIN)/python tools/make_templates.py

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf build $(VENV)
