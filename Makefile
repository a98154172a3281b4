# The two commands a new machine needs are `make demo` and `make test`; each installs what it uses.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
STORE ?= blamine-store

.PHONY: install system-deps demo test model corpus lint clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

demo: install system-deps
	$(VENV)/bin/blamine ingest corpus/pdfs --store $(STORE)

test: install system-deps
	$(PY) -m pytest -q

model: install
	$(VENV)/bin/blamine train --out models --promote

corpus: install
	$(PY) corpus/render.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache .ruff_cache
