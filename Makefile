# The README's two commands: `make run` and `make test`. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app checkin
HOST ?= 127.0.0.1
PORT ?= 5000
INSTALLED := $(VENV)/.installed
TRANSLATIONS := $(shell find checkin -path '*/translations/*/LC_MESSAGES/messages.po')
COMPILED := $(TRANSLATIONS:.po=.mo)
# The scanner's QR decoder (ZXing-C++ as WebAssembly) and its offline signature check (noble's
# Ed25519, for browsers whose WebCrypto lacks it), pinned in package-lock.json, served from static/.
VENDOR := static/vendor/barcode-detector
ED25519 := static/vendor/noble-ed25519
VENDORED := $(VENDOR)/.installed
LAN_PORT ?= 8443
PROD_PORT ?= 8443

.PHONY: install lock lint run run-lan run-prod caddy test test-js bench bench-stack screenshots translations extract clean

install: $(INSTALLED) $(COMPILED) $(VENDORED)

# Exactly the versions (and files, by hash) of requirements.lock, then checkin itself without
# letting pip pick anything else.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Refreshes requirements.lock after a change of pyproject.toml's dependencies, keeping every pin
# that still fits; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed.
lock:
	test -x $(VENV)/bin/pip-compile || { test -x $(PY) || python3 -m venv $(VENV); $(PY) -m pip install --quiet pip-tools; }
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --extra test --generate-hashes \
	  --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
	  -o requirements.lock pyproject.toml

$(VENDORED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/barcode-detector/dist/es/ponyfill.js node_modules/barcode-detector/dist/es/zxing-exported.js \
	   node_modules/zxing-wasm/dist/reader/zxing_reader.wasm node_modules/barcode-detector/LICENSE $(VENDOR)/
	mkdir -p $(ED25519)
	cp node_modules/@noble/ed25519/index.js node_modules/@noble/ed25519/LICENSE $(ED25519)/
	touch $@

%.mo: %.po $(INSTALLED)
	$(VENV)/bin/pybabel compile -i $< -o $@ >/dev/null

translations: $(COMPILED)

# Refreshes the message catalogue template from the code and templates.
extract: $(INSTALLED)
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o checkin/translations/messages.pot .

# The mail worker runs beside the web server (e-mails land in instance/outbox/ unless
# CHECKIN_MAIL_URL is set); one shell holds both, so Ctrl-C stops both.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	@echo
	@echo "  checkin is running at http://$(HOST):$(PORT)/  (Ctrl-C stops it and the mail worker)"
	@echo
	export CHECKIN_PUBLIC_URL=$${CHECKIN_PUBLIC_URL:-http://$(HOST):$(PORT)}; \
	$(FLASK) mail worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# HTTPS on this machine's addresses with a self-signed certificate, for phones on the same
# network (browsers give the camera only to HTTPS pages). README: "Gate on a phone".
run-lan: install
	$(FLASK) db upgrade
	$(FLASK) seed
	$(PY) -m checkin.devcert instance $(LAN_PORT)
	$(VENV)/bin/gunicorn --config /dev/null --bind 0.0.0.0:$(LAN_PORT) --workers 2 --threads 4 \
	  --worker-class gthread --certfile instance/lan-cert.pem --keyfile instance/lan-key.pem "checkin:create_app()"

# What a deployment runs, from deploy/'s files, on this machine (README, "Production"): Caddy on
# https://127.0.0.1:$(PROD_PORT)/ over two app servers, the PostgreSQL database checkin_prod on
# 127.0.0.1:5432 (created when missing), Redis on 127.0.0.1:6379, the mail worker. Ctrl-C stops all.
run-prod: install caddy
	PROD_PORT=$(PROD_PORT) $(PY) -m tests.support.stack

# Debian's caddy package, the TLS proxy of run-prod and of tests/stack.
caddy:
	@command -v caddy >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq caddy >/dev/null; } || \
	  { echo "caddy is missing: sudo apt-get install -y caddy" >&2; exit 1; }

# Linter, formatter and type checker (all configured in pyproject.toml); any finding fails.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The linters and the JavaScript unit tests first (seconds), then pytest; any failing fails `make test`.
test: lint test-js
	$(PY) -m pytest $(PYTEST_ARGS)

# The scanner's pure modules (static/js/gate/) under the machine's node (20+), nothing from npm
# but the vendored Ed25519 they check signatures with.
test-js: $(VENDORED)
	node --test tests/js/*.test.mjs

# Under gunicorn on 127.0.0.1, SQLite then PostgreSQL when reachable (CHECKIN_TEST_DATABASE_URL,
# default postgresql://postgres@127.0.0.1:5432/test); writes tests/bench/results/<date>.md.
bench: install
	$(PY) -m tests.bench.run $(BENCH_ARGS)

# Registrations per second over HTTPS through the production stack: Caddy over two app servers
# against Caddy over one, same run (tests/bench/stack.py; BENCH_ARGS="--duration 10 --rounds 3").
bench-stack: install caddy
	$(PY) -m tests.bench.stack $(BENCH_ARGS)

# Every page and state at 390 px and 1280 px, in Vietnamese and English, into screenshots/.
screenshots: install
	$(PY) -m tests.screenshots screenshots

clean:
	rm -rf $(VENV) $(COMPILED) node_modules static/vendor
