# The two commands of the quick start: `make demo` and `make test`.
# Both create .venv on first use and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP    := $(VENV)/.installed-test

.PHONY: demo test lint typecheck unit sandbox screenshots clean prometheus-tools exporter

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "gltui needs Python 3.11 or newer (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	@touch $@ $(RUNTIME_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/gltui demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

# promtool and prometheus (Debian's `prometheus` package) run the alert-rule tests and the
# end-to-end test against a real Prometheus server. Installed when missing (as root, or
# through `sudo -n`); where that cannot be done the tests skip and say why.
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo -n)
prometheus-tools:
	@command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || \
	  { $(AS_ROOT) apt-get update -qq && \
	    $(AS_ROOT) env DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } || \
	  echo "make: could not install Debian's prometheus package: its tests will be skipped"

# -n 4: pytest-xdist workers. Most tests wait on sockets, timeouts and back-offs rather
# than the CPU, so four workers on two cores finish in 2 min instead of 2 min 40 s.
unit: $(TEST_STAMP) prometheus-tools
	$(BIN)/pytest -n 4

test: lint typecheck unit

screenshots: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lint,screenshots]'
	$(BIN)/python scripts/screenshots.py

sandbox: $(RUNTIME_STAMP)
	$(BIN)/gltui sandbox

exporter: $(RUNTIME_STAMP)
	$(BIN)/gltui exporter

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
