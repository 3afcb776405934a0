# jamsostek_analysis: build, test and reproduce.
#
#   make reproduce   set up .venv, verify the data bundle, run every notebook, write figures/ and build/
#   make test        set up .venv, lint (ruff, mypy), run the test suite (without @pytest.mark.slow tests)
#
# Needs only python3 (>= 3.11), pip and make. Each target creates or updates the virtual environment
# .venv by itself; packages are (re)installed only when pyproject.toml changes (stamp file
# .venv/.installed-<sha256 of pyproject.toml>).
#
# Variables: DATA_DIR=... (else $JAMSOSTEK_DATA_DIR, else data/bundle in the repository), EXTRA_DATA=... (user
# additions, else $JAMSOSTEK_EXTRA_DATA), JOBS=2, TIMEOUT=600, PYTHON=python3, PYTEST_ARGS=...

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
CLI := $(VENV)/bin/jamsostek-analysis
BUILD ?= build
JOBS ?= 2
TIMEOUT ?= 600
PYTEST_ARGS ?=
LAB_ARGS ?=

DATA_DIR ?= $(JAMSOSTEK_DATA_DIR)
EXTRA_DATA ?= $(JAMSOSTEK_EXTRA_DATA)
DATA_ARGS := $(if $(strip $(DATA_DIR)),--data-dir "$(abspath $(DATA_DIR))")
# Tests, the CLI and the notebooks find the data through the environment too. EXTRA_DATA may hold
# several folders separated by ':' (as $JAMSOSTEK_EXTRA_DATA), so it is passed only through the environment.
ifneq ($(strip $(DATA_DIR)),)
export JAMSOSTEK_DATA_DIR := $(abspath $(DATA_DIR))
endif
ifneq ($(strip $(EXTRA_DATA)),)
export JAMSOSTEK_EXTRA_DATA := $(EXTRA_DATA)
endif

PIP_QUIET := --quiet --disable-pip-version-check --no-input
PYPROJECT_SHA := $(shell $(PYTHON) -c "import hashlib,sys; print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:16])" 2>/dev/null)
STAMP := $(VENV)/.installed-$(PYPROJECT_SHA)

.PHONY: help venv reproduce report test lint test-slow test-all lab bench panel verify fixtures clean distclean

help:  ## list the targets
	@echo "make reproduce   verify the data bundle and regenerate every figure and table (notebooks -> figures/, build/)"
	@echo "make test        lint, then run the test suite (fast tests; 'make test-all' includes @pytest.mark.slow)"
	@echo "make lint        ruff check and ruff format --check (whole tree), mypy (the package)"
	@echo "make report      static HTML site of the last reproduce run: $(BUILD)/report/index.html (no network needed)"
	@echo "make lab         JupyterLab on notebooks/ with the project's Python"
	@echo "make panel       write the province x year panel to $(BUILD)/panel.csv (+ data dictionary)"
	@echo "make bench       run benchmarks/*.py"
	@echo "make verify      check the data bundle against its MANIFEST.tsv checksums"
	@echo "make clean       remove build/ and caches (keeps .venv and figures/); 'make distclean' also removes .venv"
	@echo "variables: DATA_DIR=... EXTRA_DATA=... JOBS=$(JOBS) TIMEOUT=$(TIMEOUT) PYTHON=$(PYTHON)"

# ---------------------------------------------------------------------------------------------
# virtual environment

venv: $(STAMP)

# The stamp's name holds the hash of pyproject.toml, so an order-only prerequisite is enough:
# reinstall exactly when the content changes (not when the file is merely touched).
$(STAMP): | pyproject.toml
	@test -n "$(PYPROJECT_SHA)" || { echo "error: '$(PYTHON)' not found or cannot read pyproject.toml (need Python >= 3.11; set PYTHON=...)" >&2; exit 1; }
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" || { echo "error: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); need >= 3.11 (set PYTHON=python3.11)" >&2; exit 1; }
	@if ! $(VPY) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" >/dev/null 2>&1; then \
		echo "creating virtual environment $(VENV) with $$($(PYTHON) -c 'import sys; print(sys.executable)')"; \
		rm -rf "$(VENV)"; \
		$(PYTHON) -m venv "$(VENV)"; \
	fi
	@echo "installing jamsostek_analysis and its dependencies into $(VENV) (pyproject.toml changed or first run) ..."
	@$(VPY) -m pip install $(PIP_QUIET) -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch "$@"
	@echo "environment ready: $(VENV) ($$($(VPY) -c 'import platform; print("Python", platform.python_version())'))"

# ---------------------------------------------------------------------------------------------
# the two commands of the README

reproduce: $(STAMP)  ## verify the data bundle, run every notebook, write figures and the run manifest
	$(CLI) data verify $(DATA_ARGS)
	$(CLI) reproduce $(DATA_ARGS) --jobs $(JOBS) --timeout $(TIMEOUT) --out $(BUILD)

report: $(STAMP)  ## HTML site of the last reproduce run (run make reproduce first)
	$(CLI) report --build $(BUILD) --out $(BUILD)/report

# pytest exits 5 when it collected no test: that must fail, never pass vacuously.
test: $(STAMP) lint  ## lint, then run the fast test suite
	@status=0; $(VPY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

lint: $(STAMP)  ## ruff check, ruff format --check and mypy (configured in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-slow: $(STAMP)  ## only the slow (Monte Carlo) tests
	$(VPY) -m pytest -m slow $(PYTEST_ARGS)

test-all: $(STAMP)  ## every test, slow ones included
	$(VPY) -m pytest -m "slow or not slow" $(PYTEST_ARGS)

# ---------------------------------------------------------------------------------------------
# other tools

verify: $(STAMP)  ## check the data bundle checksums
	$(CLI) data verify $(DATA_ARGS)

panel: $(STAMP)  ## write build/panel.csv and build/data_dictionary.csv
	@mkdir -p $(BUILD)
	$(CLI) panel $(DATA_ARGS) --out $(BUILD)/panel.csv --dictionary $(BUILD)/data_dictionary.csv

lab: $(STAMP)  ## JupyterLab on notebooks/ with the venv's kernel
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS) \
		$(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

bench: $(STAMP)  ## run every benchmarks/*.py
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks/*.py"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(VPY) "$$f"; done

fixtures:  ## regenerate the R reference values in tests/fixtures/r (needs Rscript with clubSandwich, survival)
	@command -v Rscript >/dev/null || { echo "error: Rscript not found (Debian: apt-get install r-base-core r-cran-clubsandwich r-cran-survival r-cran-sandwich)" >&2; exit 1; }
	Rscript tests/fixtures/r/make_fixtures.R

clean:  ## remove build outputs and caches (keeps .venv and figures/)
	rm -rf $(BUILD) .pytest_cache
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf

distclean: clean  ## also remove the virtual environment
	rm -rf $(VENV)
