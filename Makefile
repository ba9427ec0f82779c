# DUA-portalen. `make run` serves the demo; `make test` runs the suite; `make e2e` the browser tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app portal
HOST   ?= 127.0.0.1
PORT   ?= 5000
# `make run OIDC_DEMO=1` starts a test e-legitimation (oidc-provider-mock) beside the portal; off by default.
OIDC_DEMO      ?= 0
OIDC_DEMO_PORT ?= 5001

.PHONY: run test test-pg e2e bench lint translations messages setup clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@if ls portal/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --statistics -f -d portal/translations 2>&1 | tail -n 2; fi

run: setup
	mkdir -p instance
	$(FLASK) db upgrade heads
	$(FLASK) seed-demo --if-empty
	@echo ""
	@echo "DUA-portalen körs på http://$(HOST):$(PORT)  (avsluta med Ctrl+C)"
	@if [ "$(OIDC_DEMO)" = "1" ]; then \
		echo "Test-e-legitimation på http://127.0.0.1:$(OIDC_DEMO_PORT): knappen på inloggningssidan"; \
		$(FLASK) oidc-demo-provider --port $(OIDC_DEMO_PORT) & idp=$$!; \
		trap 'kill $$idp 2>/dev/null' EXIT INT TERM; \
		OIDC_DEMO=1 OIDC_DEMO_PORT=$(OIDC_DEMO_PORT) $(FLASK) run --host $(HOST) --port $(PORT); \
	else \
		OIDC_DEMO=0 $(FLASK) run --host $(HOST) --port $(PORT); \
	fi

test: setup
	@command -v pdftoppm >/dev/null 2>&1 || ./scripts/install-system-packages.sh poppler-utils || true
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The same suite against PostgreSQL; DATABASE_URL must name an empty database.
test-pg: setup
	@test -n "$(DATABASE_URL)" || (echo "Sätt DATABASE_URL=postgresql+psycopg://..." && exit 2)
	DATABASE_URL="$(DATABASE_URL)" $(BIN)/python -m pytest -n 2 --dist loadfile -m "not libreoffice"

e2e: setup
	@command -v chromium >/dev/null 2>&1 || ./scripts/install-system-packages.sh chromium
	$(BIN)/python -m pytest tests/e2e -p no:cacheprovider -o addopts="" -q -n 2 --dist loadfile

# Seeds a scale database (BENCH_SIZE=small|default|national, BENCH_DATABASE_URL for PostgreSQL), serves it with
# gunicorn and drives each page with wrk; see bench/__main__.py. `python -m bench.docx` times the .docx alone.
bench: setup
	@command -v wrk >/dev/null 2>&1 || ./scripts/install-system-packages.sh wrk
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check .

# Refresh the message catalogues after changing user-facing text.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-wrap --sort-by-file \
		--project DUA-portalen -o portal/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -i portal/translations/messages.pot -d portal/translations

clean:
	rm -rf $(VENV) instance/portal.sqlite3*
