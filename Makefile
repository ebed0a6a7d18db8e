PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test test-unit lint bench token clean-var

run: $(INSTALLED)
	$(PY) -m hub.devstack run

test: $(INSTALLED)
	$(PY) -m pytest

# The tests that need no service; they start no engine.
test-unit: $(INSTALLED)
	$(PY) -m pytest tests/unit

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# A write token for NAME on the hub `make run` started (the token is the last line).
token: $(INSTALLED)
	@test -n "$(NAME)" || (echo "usage: make token NAME=username" && exit 2)
	$(PY) -m hub.devstack manage create_token $(NAME) --write

bench: $(INSTALLED)
	for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

$(INSTALLED): requirements.txt client/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: anything else makes pip fetch a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet -e ./client
	touch $@

clean-var:
	rm -rf var/
