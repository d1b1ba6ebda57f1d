# Two commands set up everything: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench screenshots lint format install install-dev migrations-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

## run: install, migrate, load the sample content, create the local admin, serve on 127.0.0.1:$(PORT)
## and run the background worker beside the server (Ctrl-C stops both)
run: export DJANGO_DEBUG := 1
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_sample_content
	$(BIN)/python manage.py ensure_local_admin
	$(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: install the dev requirements and run the whole suite
test: install-dev
	$(BIN)/python -m pytest

## bench: figures for the article page, the consultation request form, slow or hanging dependencies,
## the article through the shipped nginx's page cache beside a static file (and Publish to the proxy),
## and the outbox soak (2 workers, 500 emails, database cut and stalled, SMTP down; needs PostgreSQL)
# The form's concurrency figures need PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic make bench
bench: install-dev
	$(BIN)/python tests/benchmarks/article_page.py
	$(BIN)/python tests/benchmarks/consultation_requests.py
	$(BIN)/python tests/benchmarks/triage_queue.py
	$(BIN)/python tests/benchmarks/readability.py
	$(BIN)/python tests/benchmarks/booking.py
	$(BIN)/python tests/benchmarks/scheduling_links.py
	$(BIN)/python tests/benchmarks/pages.py
	$(BIN)/python tests/benchmarks/resilience.py
	$(BIN)/python tests/benchmarks/edge_cache.py
	$(BIN)/python tests/benchmarks/outbox_soak.py

## screenshots: phone and desktop pictures of the main pages in docs/screenshots/
screenshots: install-dev
	$(BIN)/python tests/tools/screenshots.py

## lint: ruff, the one linter and formatter
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
