# The two commands of the README: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
DEMO_PASSWORD ?= demo-finsam-2026
# The suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
HOST ?= 127.0.0.1:8000
# The demo serves as production does, with DEBUG off (the project's Swedish error pages, no
# debug pages), but over plain HTTP on this machine: a key made for this run (sessions end when
# the server restarts), ordinary cookies, no HTTPS redirect or HSTS, and no second factor.
# collectstatic fills staticfiles/ for WhiteNoise.
DEMO_ENV := DEBUG=false \
	SECRET_KEY=$(shell $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))") \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false \
	SECURE_HSTS_SECONDS=0 REQUIRE_2FA=false
# Production-like settings for `check --deploy`: a throwaway key, never used to serve.
DEPLOY_ENV := DEBUG=false ALLOWED_HOSTS=finsam.example.se \
	SECRET_KEY=$(shell $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))")

.PHONY: install run test lint check pytest messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --password "$(DEMO_PASSWORD)"
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Öppna http://$(HOST)/ och logga in med en av användarna ovan."
	@# The task worker and the scheduler run beside the web server (README "Drift") and stop
	@# with it.
	@trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/python manage.py db_worker --queue-name default,purge & worker=$$!; \
	$(DEMO_ENV) $(BIN)/python manage.py run_scheduler & scheduler=$$!; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r .
	$(BIN)/lint-imports --no-cache

check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

# Browser tests need Debian's chromium; the OIDC tests need Node.js (their provider, tests/oidc:
# `npm ci` runs there when node_modules is missing). Without one, its tests are left out with a
# line that says so.
pytest: install
	@skip=""; \
	if ! command -v chromium >/dev/null 2>&1; then \
		echo "*** Webbläsartesterna hoppas över: chromium saknas (apt-get install chromium). ***"; \
		skip="not browser"; \
	fi; \
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "*** OIDC-testerna hoppas över: node saknas (apt-get install nodejs npm). ***"; \
		skip="$${skip:+$$skip and }not oidc"; \
	fi; \
	if [ -n "$$skip" ]; then \
		$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "$$skip"; \
	else \
		$(BIN)/python -m pytest -n $(PYTEST_WORKERS); \
	fi

test: lint check pytest

messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l sv --ignore=.venv --ignore=tests
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

# Benchmarks (issue #8, BENCHMARKS.md): builds 1k, 10k and 100k participants in a separate
# bench database (SQLite bench/out/bench.sqlite3, or <name>_bench beside DATABASE_URL's
# PostgreSQL database) and prints medians and query counts. BENCH_ARGS="--sizes 1000,10000".
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles
