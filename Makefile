# The line's everyday commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000

.PHONY: help install run test production-check call check status stats screenshots bench attack twilio-vocabulary schema lock clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 26

# Installed from the lock files: exactly the versions the tests passed with, checked by hash.
$(STAMP): requirements-test.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the locked dependencies

run: $(STAMP)  ## serve the line locally in development mode (PORT=5001 make run for another port)
	@IVR_DEVELOPMENT=1 $(BIN)/flask --app ivr check --quick >/dev/null
	@echo "Serving the line on http://127.0.0.1:$(PORT) in development mode (signatures not checked, this machine only)."
	@echo "Walk a call in your browser:     http://127.0.0.1:$(PORT)/console/simulator"
	@echo "or in another terminal:          make call"
	@echo "or post to the webhook:          curl -X POST http://127.0.0.1:$(PORT)/voice"
	IVR_DEVELOPMENT=1 $(BIN)/flask --app ivr run --host 127.0.0.1 --port $(PORT)

test: $(STAMP)  ## run the whole test suite (what CI runs)
	$(BIN)/flask --app ivr check
	$(BIN)/pytest

production-check:  ## install as production does (requirements.lock alone), start the Procfile, walk a whole call
	$(PYTHON) deploy/production_check.py

call: $(STAMP)  ## walk a call in the terminal (ARGS='--at "2026-07-13 10:00" --keys 10')
	@$(BIN)/flask --app ivr call $(ARGS)

check: $(STAMP)  ## check line.yaml, the menu, every translation, recording and caller-time budget
	$(BIN)/flask --app ivr check

status: $(STAMP)  ## the translations and recordings of each language
	$(BIN)/flask --app ivr translations status

stats: $(STAMP)  ## the anonymous usage figures of the last 7 days
	$(BIN)/flask --app ivr stats $(ARGS)

bench: $(STAMP)  ## the benchmark against a bare Flask baseline (end to end needs wrk)
	$(BIN)/python bench/run.py $(ARGS)

attack: $(STAMP)  ## signed calls while slow clients and oversized requests attack the production set-up
	$(BIN)/python bench/attack.py $(ARGS)

# The call engine (transfers and rendering included), the routing service and the checks: what
# decides what a caller hears, who answers, and whether a line may start.
MUTATED := "ivr.callflow.*" "ivr.render.*" "ivr.words.*" "ivr.routing.*" "ivr.checks.*" \
	"ivr.privacy.*" "ivr.phone_numbers.*"

mutants: $(STAMP)  ## mutation testing (mutmut) of the engine, routing and checks; slow, not in CI
	$(BIN)/pip install --quiet mutmut==3.8.1
	$(BIN)/mutmut run --max-children 2 $(MUTATED)
	$(BIN)/mutmut results

screenshots: $(STAMP)  ## photograph the console for the README
	$(BIN)/python docs/screenshots.py

twilio-vocabulary: $(STAMP)  ## remake ivr/twilio_vocabulary.json from the newest twilio package (npm) and ivr/twilio_voices.yaml
	$(BIN)/python -m ivr.vocabulary_build $(ARGS)
	$(BIN)/flask --app ivr check --quick

schema: $(STAMP)  ## make line.schema.json and the README's table of every setting again, from ivr/line_schema.py
	$(BIN)/python -c 'import sys; from ivr import line_schema; sys.exit(line_schema.main(["--write"]))'

lock: $(STAMP)  ## refresh the lock files from pyproject.toml (newest versions, holidays included)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links --extra test -o requirements-test.lock pyproject.toml
	@echo "Locked. Run make test, then commit requirements.lock and requirements-test.lock."

clean:  ## remove .venv
	rm -rf $(VENV)
