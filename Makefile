# codeit_nb: the two commands for a fresh machine are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
# First interpreter that really runs and is >= 3.10, preferring 3.11 (override: make PYTHON=...).
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3.10 python3; do \
            $$p -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1 && { echo $$p; break; }; done)
# Recipes (and notebooks that shell out to `codeit`) use the project's environment.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help venv install demo test sync check-clean chromium docs docs-test

help:
	@echo "make demo   install if needed, then run the CodeIt loop (demo preset: dev split, CPU, minutes) into runs/demo/"
	@echo "make test   install if needed, check notebooks/library are in sync, run every notebook (the cells nbdev_test runs) and pytest"
	@echo "make sync   nbdev_clean + nbdev_export (do this before committing notebook edits)"
	@echo "make venv   create .venv and pip install -e '.[dev]' (again when settings.ini or setup.py change)"
	@echo "make docs   the docs site in _docs/: Quarto (nbdev_docs) if installed, else executed notebooks rendered by MkDocs"
	@echo "make docs-test  make docs, then check its links and load every page in Chromium"

venv install: $(STAMP)

# The notebooks' kernel, python3, installed in .venv so that JupyterLab opens a committed notebook unmodified: as its
# kernel starts, JupyterLab writes the kernel's spec and language into the notebook's metadata (and marks it modified
# if that changes it). The notebooks hold what nbdev_clean keeps (settings.ini: a display name equal to the name, and
# language_info), so the kernel's display name is its name, and it reports its language without the Python version
# (exec_lines, before it answers anything), which would otherwise tie every notebook to one Python patch version.
KERNEL_ARG := --IPKernelApp.exec_lines=get_ipython().kernel.language_info.pop('version',None)

$(STAMP): settings.ini setup.py
	@if [ ! -x $(BIN)/python ]; then \
	  [ -n "$(PYTHON)" ] || { echo "error: need Python >= 3.10 (python3.11 preferred)" >&2; exit 1; }; \
	  echo "creating $(VENV) with $$($(PYTHON) -V)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name python3
	$(BIN)/python -c 'import json, sys; from pathlib import Path; f = Path(sys.prefix, "share/jupyter/kernels/python3/kernel.json"); \
	  k = json.loads(f.read_text()); k["argv"].append(sys.argv[1]); f.write_text(json.dumps(k, indent=1))' "$(KERNEL_ARG)"
	touch $(STAMP)

demo: $(STAMP)
	rm -rf runs/demo
	codeit run --preset demo --out runs/demo
	codeit data show 007bbfb7 --out runs/demo/task.png

sync: $(STAMP)
	nbdev_clean
	nbdev_export

check-clean: $(STAMP)
	.ci/check-clean

chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian chromium + chromium-driver (browser tests)"; \
	  log=$$(mktemp); \
	  if (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver) >$$log 2>&1; \
	  then rm -f $$log; else echo "warning: installing chromium failed (log: $$log); browser tests need /usr/bin/chromium" >&2; fi; \
	else echo "warning: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get); browser tests need it" >&2; \
	fi

# The notebooks' tests: tools/build_docs.py --execute-only runs exactly the cells nbdev_test runs, in a fresh kernel per
# notebook, two notebooks at a time with one torch/OpenMP thread each (a thread per core oversubscribes the two cores:
# 9.2 min against 4.5 min, measured), and keeps the executed notebooks in build/docs/exec/, so that `make docs` after it
# (CI: .ci/run) renders the site without running every notebook a second time. `nbdev_test --path nbs/X.ipynb` still
# runs one notebook. pytest then runs on two workers (pytest-xdist; tests/conftest.py keeps the tests that share a
# server, a cluster or a prepared run on one worker): alone it used three quarters of one core (17 min on a quiet
# machine); its ~15 CPU-minutes should take 8-9 on two free cores (measured only with a benchmark loading the machine:
# 20.4 min on one worker, 15.9 on two under a heavier load). The docs site's page test is left to `make docs-test`,
# which runs it on the site it has just built (here it would load the pages of whatever _docs/ an earlier build left).
test: $(STAMP)
	@$(MAKE) --no-print-directory chromium
	.ci/check-clean
	timeout 1500 python tools/build_docs.py --execute-only --force
	pytest -q -n 2 tests --deselect tests/test_docs_site.py::test_site_pages_load_with_their_images

# The docs site in _docs/. With Quarto installed: nbdev_docs (README.md is hand-written: touching it keeps nbdev_docs
# from regenerating it from nbs/index.ipynb). Without (these machines): tools/build_docs.py executes every notebook
# (the cells nbdev_test runs, two notebooks at a time) and renders them with MkDocs + material + mkdocs-jupyter, offline.
docs: $(STAMP)
	@if command -v quarto >/dev/null 2>&1; then \
	  touch README.md && nbdev_docs; \
	else \
	  python tools/build_docs.py; \
	fi

# The site's checks: no broken internal link, and every page loads in Chromium with its images (tests/test_docs_site.py).
docs-test: docs
	@$(MAKE) --no-print-directory chromium
	python tools/check_links.py _docs
	pytest -q tests/test_docs_site.py
