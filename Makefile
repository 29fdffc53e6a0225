# Every target creates the local virtual environment (.venv) when it is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test golden bench lint clean

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

lint: $(STAMP)
	$(PY) -m pyflakes adjoint tests examples

clean:
	rm -rf $(VENV) build *.egg-info
