# Every target creates the local virtual environment (.venv) when it is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test golden bench gradbench lint clean

# -qq: pip prints errors only (setuptools' notice about editable installs is not one);
# `adjoint` is the distribution's old name (now adjoint-ad): a venv made before drops it.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip uninstall -qq --yes adjoint 2>/dev/null || true
	$(PY) -m pip install -qq -e '.[test,notebook]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/quickstart.py

test: $(STAMP)
	$(PY) -m pytest

golden: $(STAMP)   ## rewrite tests/golden/*.txt from the compiler; review the diff
	ADJOINT_REGEN_GOLDEN=1 $(PY) -m pytest tests/test_golden.py tests/test_golden_forward.py

bench: $(STAMP)
	$(PY) -m pip install -qq -e '.[bench]'
	$(PY) -m benchmarks

# GradBench's evals against adjoint's tool, its C++ reference and its JAX and PyTorch tools
# (benchmarks/gradbench/README.md). Not part of `test`: it needs a GradBench git snapshot
# and builds GradBench's C++ reference outside this repo, with a setup script that is not
# in this repo either (this workplace's: GRADBENCH_SETUP).
GRADBENCH_SETUP ?= /work/shared/gradbench/setup.sh
GRADBENCH_ROOT  ?= $(or $(TMPDIR),/tmp)/gradbench
GRADBENCH_VENV  ?= $(GRADBENCH_ROOT)-venv

gradbench:
	@test -n "$(GRADBENCH_GIT)" || { echo "make gradbench: set GRADBENCH_GIT to a git" \
	  "repository of github.com/gradbench/gradbench (bare or checked out)" >&2; exit 2; }
	@test -x $(GRADBENCH_ROOT)/tools/manual/bin/gmm -a -x $(GRADBENCH_VENV)/bin/python || { \
	  test -f $(GRADBENCH_SETUP) || { echo "make gradbench: no setup script at" \
	    "$(GRADBENCH_SETUP) (set GRADBENCH_SETUP)" >&2; exit 2; }; \
	  GRADBENCH_GIT=$(GRADBENCH_GIT) GRADBENCH_ROOT=$(GRADBENCH_ROOT) \
	    VENV=$(GRADBENCH_VENV) bash $(GRADBENCH_SETUP); }
	$(GRADBENCH_VENV)/bin/python -m pip install --quiet -e '.[gradbench]'
	GRADBENCH_ROOT=$(GRADBENCH_ROOT) $(GRADBENCH_VENV)/bin/python -m benchmarks.gradbench.bench \
	  $(GRADBENCH_ARGS)

lint: $(STAMP)
	$(PY) -m pyflakes adjoint tests examples

clean:
	rm -rf $(VENV) build *.egg-info
