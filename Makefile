# Every command people run. The README shows the two that matter: `make demo` and `make test`.
SHELL := /bin/bash
UV_VERSION := 0.13.8
TOOLS := .local/tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --frozen
ASYNCAPI_CHECK := tools/asyncapi-check

LOCAL := $(or $(PEERLINK_LOCAL_DIR),$(CURDIR)/.local)
export PEERLINK_KAFKA_BOOTSTRAP ?= 127.0.0.1:19092
export PEERLINK_MONGO_URL ?= mongodb://127.0.0.1:27027/?directConnection=true
# The local broker is SASL_SSL only; tools and tests log in as admin, and devtools start each
# service as its own principal (passwords from the credentials folder `up` made).
export PEERLINK_KAFKA_SECURITY_PROTOCOL ?= SASL_SSL
export PEERLINK_KAFKA_CA_FILE ?= $(LOCAL)/kafka-secrets/ca.pem
export PEERLINK_KAFKA_CREDENTIALS_DIR ?= $(LOCAL)/kafka-secrets/credentials
export PEERLINK_KAFKA_USERNAME ?= admin
export PEERLINK_KAFKA_PASSWORD_FILE ?= $(LOCAL)/kafka-secrets/credentials/admin

.PHONY: install up down status topics demo test lint unit integration e2e browser clean bench-reevaluation bench-matching bench-storage bench-fill bench-pipeline bench-tls bench-seal bench-drain bench-preview fault fault-short

$(UV):
	@echo "[make] installing uv $(UV_VERSION) into $(TOOLS)"
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV) $(ASYNCAPI_CHECK)/node_modules/.package-lock.json  ## the workspace and its locked dependencies, into .venv
	$(UV) sync --frozen --all-packages
	@tools/ensure-chromium || echo "[make] Chromium could not be installed: the browser tests need it (tools/ensure-chromium)" >&2

# The official AsyncAPI parser, which the unit tests run on every service's document.
# Installed again only when its lockfile changes; npm's download cache is kept with the others
# (PEERLINK_CACHE, default ~/.cache/peerlink), so a fresh clone on this machine is fast too.
# No install scripts: the parser needs none, and one dependency's only phones home.
$(ASYNCAPI_CHECK)/node_modules/.package-lock.json: $(ASYNCAPI_CHECK)/package.json $(ASYNCAPI_CHECK)/package-lock.json
	@command -v npm >/dev/null || { echo "[make] npm not found: install Node.js 20 or later (with npm), then run make install again" >&2; exit 1; }
	@echo "[make] installing the AsyncAPI parser into $(ASYNCAPI_CHECK)/node_modules"
	cd $(ASYNCAPI_CHECK) && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --cache "$(or $(PEERLINK_CACHE),$(HOME)/.cache/peerlink)/npm"
	touch $@

up:  ## start local Kafka and FerretDB (fetches and builds on first run)
	infra/local-servers up

down:  ## stop them
	infra/local-servers down

status:
	infra/local-servers status

topics: install up  ## create the catalogue's topics
	$(RUN) peerlink-topics create

demo: install up topics  ## start the four services and play the scenario
	$(RUN) peerlink-demo

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports

unit: install
	$(RUN) pytest tests/unit tests/service_layer

integration: install up
	$(RUN) pytest tests/integration

e2e: install up
	$(RUN) pytest tests/e2e

browser: install up  ## the console's journeys in headless Chromium; rewrites docs/screenshots/
	tools/ensure-chromium
	$(RUN) pytest tests/browser

test: install up lint  ## every check and every test, then the short fault suite
	tools/ensure-chromium
	$(RUN) pytest
	$(RUN) python -m peerlink_devtools.fault --short

RUNS ?= 20
fault: install up  ## the long fault suite: RUNS runs of faults on purpose, and the oracle
	$(RUN) python -m peerlink_devtools.fault --runs $(RUNS)

fault-short: install up  ## the short fault suite that `make test` runs
	$(RUN) python -m peerlink_devtools.fault --short

clean: down
	rm -rf .local .venv $(ASYNCAPI_CHECK)/node_modules

PERSONS ?= 100000
CENTRES ?= 200
bench-reevaluation: install up  ## bulk re-evaluation rate against the real FerretDB, and the raw I/O rate
	$(RUN) python benchmarks/bulk_reevaluation.py --persons $(PERSONS) --centres $(CENTRES)

PREVIEW_PERSONS ?= 10000
PREVIEW_RUNS ?= 7
bench-preview: install up  ## the policy what-if's time at N persons of one centre (real FerretDB)
	$(RUN) python benchmarks/policy_preview.py --persons $(PREVIEW_PERSONS) --runs $(PREVIEW_RUNS)

REQUESTS ?= 10000
SUPPORTERS ?= 5000
bench-matching: install  ## matching rate: requests/s against a pool of supporters (no servers)
	$(RUN) python benchmarks/matching_rate.py --requests $(REQUESTS) --supporters $(SUPPORTERS)

SMALL ?= 10000
LARGE ?= 200000
bench-storage: install up  ## hot lookups' cost at SMALL and at LARGE documents (real FerretDB)
	$(RUN) python -m benchmarks.storage_scaling --small $(SMALL) --large $(LARGE)

# Empty knobs keep the benchmark's own defaults (or --quick's): QUICK=1 is a ~2-minute smoke check.
QUICK ?=
START_RATE ?=
MAX_RATE ?=
STEP_SECONDS ?=
HALF_SECONDS ?=
SLO ?=
SIZES ?=
bench-fill: install up  ## one session's fill as its pool and the network grow: bounded point lookups vs one by one
	$(RUN) python -m benchmarks.fill_reads $(if $(SIZES),--sizes "$(SIZES)") --runs $(or $(FILL_RUNS),5)

bench-pipeline: install up  ## the services against a hand-written relay: sustainable rate, latency
	$(RUN) python -m benchmarks.pipeline $(if $(QUICK),--quick) \
		$(if $(START_RATE),--start-rate $(START_RATE)) $(if $(MAX_RATE),--max-rate $(MAX_RATE)) \
		$(if $(STEP_SECONDS),--step-seconds $(STEP_SECONDS)) \
		$(if $(HALF_SECONDS),--half-seconds $(HALF_SECONDS)) $(if $(SLO),--slo $(SLO))

# TLS + SASL's cost: the same pipeline over SASL_SSL and over PLAINTEXT in one run. The
# PLAINTEXT broker is a second, throwaway Kafka on loopback ports 19192/19193, started for
# the run and stopped after it; the real one stays SASL_SSL only.
PLAINTEXT_KAFKA := PEERLINK_LOCAL_DIR=$(CURDIR)/.local/bench-plaintext PEERLINK_KAFKA_PLAINTEXT=1 \
	PEERLINK_KAFKA_PORT=19192 PEERLINK_KAFKA_CONTROLLER_PORT=19193
bench-tls: install up  ## TLS+SASL's cost on the pipeline benchmark (same run, with and without)
	$(PLAINTEXT_KAFKA) infra/local-servers restart kafka
	PEERLINK_BENCH_PLAINTEXT_BOOTSTRAP=127.0.0.1:19192 $(RUN) python -m benchmarks.pipeline --tls-cost \
		$(if $(QUICK),--quick) $(if $(START_RATE),--start-rate $(START_RATE)) \
		$(if $(MAX_RATE),--max-rate $(MAX_RATE)) $(if $(STEP_SECONDS),--step-seconds $(STEP_SECONDS)) \
		$(if $(HALF_SECONDS),--half-seconds $(HALF_SECONDS)); \
		status=$$?; $(PLAINTEXT_KAFKA) infra/local-servers down >/dev/null 2>&1; exit $$status

# Sealing's cost: the same pipeline with health facts sealed and in clear, in one run.
bench-seal: install up  ## sealing health facts' cost on the pipeline benchmark (same run, with and without)
	$(RUN) python -m benchmarks.pipeline --seal-cost $(if $(QUICK),--quick) \
		$(if $(START_RATE),--start-rate $(START_RATE)) $(if $(MAX_RATE),--max-rate $(MAX_RATE)) \
		$(if $(STEP_SECONDS),--step-seconds $(STEP_SECONDS)) \
		$(if $(HALF_SECONDS),--half-seconds $(HALF_SECONDS))

GRADUATES ?= 300
bench-drain: install up  ## a backlog of GRADUATES' facts at once: how fast the four services work it off
	$(RUN) python -m benchmarks.backlog_drain --graduates $(GRADUATES)
