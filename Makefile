# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-integration test-slow test-all lint typecheck bench clean browser docs \
	training-models

$(STAMP): pyproject.toml $(wildcard setup.py) $(wildcard kernels/*.c kernels/*.h) \
		$(wildcard pgo/*.model)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/reelsim run scenarios/demo.yaml --out results/demo
	@echo
	@echo "reelsim is installed in $(VENV)/. To type reelsim as the README shows it:"
	@echo "    source $(VENV)/bin/activate"
	@echo "then, for the demo's report page:"
	@echo "    reelsim report results/demo -o demo.html"

# Test tiers (markers in pyproject.toml), each spread over TEST_WORKERS processes:
# the fast tier; the system as a user runs it (notebooks, interrupted and killed
# processes, Dask clusters); the statistical checks; and all of them at once.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

test: $(STAMP)
	$(PYTEST) -m "not slow and not integration"

test-integration: $(STAMP)
	$(PYTEST) -m integration

# The many-generated-scenarios agreement check runs in a process of its own: after other
# tests in the same worker it has been seen to run many times longer than alone (about 1
# minute), and CI has a time limit.
AGREEMENT_SOAK := tests/test_kernel_agreement.py::test_many_more_generated_scenarios_agree

test-slow: $(STAMP)
	$(PYTEST) -m slow --deselect $(AGREEMENT_SOAK)
	$(PY) -m pytest -q $(AGREEMENT_SOAK)

test-all: $(STAMP)
	$(PYTEST)

lint: $(STAMP)
	$(VENV)/bin/ruff check simulator kernels pgo tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The models the profile-guided build of the kernel trains on (setup.py), packed again from
# the example scenarios: after a change to packing or to the kernel's layout.
training-models: $(STAMP)
	$(PY) pgo/write_models.py

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

# Headless Chromium for the report's browser test, from the system's packages.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no /usr/bin/chromium and no apt-get: the report's browser test will skip"; fi

# The generated docs: scenario reference and JSON Schema, the report's and explore's screenshots.
docs: $(STAMP)
	$(PY) -m simulator.scenario.reference_doc docs
	REELSIM_WRITE_DOCS=1 $(PY) -m pytest -q tests/test_report.py -k cleanly_in_chromium
	REELSIM_WRITE_DOCS=1 $(PY) -m pytest -q tests/test_explore.py -k shows_what_compare_computes

clean:
	rm -rf $(VENV) build *.egg-info results .pytest_cache .mypy_cache .ruff_cache .hypothesis
