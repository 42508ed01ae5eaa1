# make run   serve the line on http://127.0.0.1:5000 (development mode)
# make test  run the whole test suite
# make call  walk a call in the terminal (ARGS='--at "2026-07-13 10:00" --keys 1*0')
# make check check line.yaml, the menu, every translation and recording
# make status the translations and recordings of each language
# make stats  the anonymous usage figures of the last 7 days
# make bench  the benchmark against a bare Flask baseline (end to end needs `wrk`)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test call check status stats screenshots bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@echo "Serving the line on http://127.0.0.1:5000 in development mode (signatures not checked, this machine only)."
	@echo "Walk a call in your browser:     http://127.0.0.1:5000/console/simulator"
	@echo "or in another terminal:          make call"
	@echo "or post to the webhook:          curl -X POST http://127.0.0.1:5000/voice"
	IVR_DEVELOPMENT=1 $(BIN)/flask --app ivr run --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/flask --app ivr check
	$(BIN)/pytest

call: $(STAMP)
	$(BIN)/flask --app ivr call $(ARGS)

check: $(STAMP)
	$(BIN)/flask --app ivr check

status: $(STAMP)
	$(BIN)/flask --app ivr translations status

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

screenshots: $(STAMP)
	$(BIN)/python docs/screenshots.py

stats: $(STAMP)
	$(BIN)/flask --app ivr stats $(ARGS)

clean:
	rm -rf $(VENV)
