# The README's two commands: `make run` and `make test`. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app checkin
HOST ?= 127.0.0.1
PORT ?= 5000
INSTALLED := $(VENV)/.installed
TRANSLATIONS := $(shell find checkin -path '*/translations/*/LC_MESSAGES/messages.po')
COMPILED := $(TRANSLATIONS:.po=.mo)

.PHONY: install run test bench translations extract clean

install: $(INSTALLED) $(COMPILED)

$(INSTALLED): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

%.mo: %.po $(INSTALLED)
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(COMPILED)

# Refreshes the message catalogue template from the code and templates.
extract: $(INSTALLED)
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o checkin/translations/messages.pot checkin templates

run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	@echo
	@echo "  checkin is running at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(COMPILED)
