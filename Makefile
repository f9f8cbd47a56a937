# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test check deps bench install install-dev clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Serve the app on http://127.0.0.1:$(PORT), migrating and seeding on first start.
run: install
	$(PY) -m flask db upgrade
	$(PY) -m flask seed first-start
	@echo ""
	@echo "  绍兴市科技专家库: http://127.0.0.1:$(PORT)/login"
	@echo "  演示账号 (密码 Demo@2026): bureau dept unit expert usage leader supervisor"
	@echo ""
	PORT=$(PORT) $(PY) app.py

## The system packages the suite needs (PostgreSQL, Chromium, CJK fonts, LibreOffice Calc, poppler), installed
## with apt-get when missing and allowed (root, or sudo without a password); otherwise it says what to run.
deps:
	@bash scripts/deps.sh

## The whole suite, on SQLite and PostgreSQL. A run that could not do all of it for want of a package ends with
## "未完整运行 / partial run: …" and fails, unless ALLOW_PARTIAL=1.
test: deps install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## The inner loop (about 3 minutes): the rules, and the app on SQLite; no PostgreSQL, browser or scale bench.
check: install-dev
	$(PY) -m pytest -k "not postgresql" --ignore=tests/browser --ignore=tests/test_bench.py $(PYTEST_ARGS)

## Benchmarks at 100,000 experts on SQLite and PostgreSQL, written to BENCHMARKS.md (10–25 minutes, idle machine).
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) test-artifacts
