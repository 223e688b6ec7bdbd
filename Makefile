# RefWatch: the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-workspace
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo passphrase protects synthetic data only; never reuse it for real work.
DEMO_PASSPHRASE ?= demo-only-synthetic-data

NODE_STAMP := node_modules/.installed

.PHONY: run test venv assets browser lint typecheck lock demo bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

# Browser assets (htmx, Vega, world outlines) from the npm registry, pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

assets: $(NODE_STAMP)

# Browser tests drive Debian's Chromium (never `playwright install`); the deployment tests run
# Caddy in front of the app and check the systemd units with systemd-analyze. Installed from
# Debian's packages when missing.
browser:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1 && command -v caddy >/dev/null 2>&1 && command -v systemd-analyze >/dev/null 2>&1; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk caddy systemd >/dev/null; }

demo: $(STAMP) $(NODE_STAMP)
	@test -f $(DEMO_DIR)/workspace.json || REFWATCH_PASSPHRASE=$(DEMO_PASSPHRASE) $(BIN)/refwatch --workspace $(DEMO_DIR) demo

run: demo
	REFWATCH_PASSPHRASE=$(DEMO_PASSPHRASE) $(BIN)/refwatch --workspace $(DEMO_DIR) serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(NODE_STAMP) browser
	$(BIN)/ruff check refwatch tests benchmarks
	$(BIN)/mypy refwatch
	$(BIN)/bandit -q -r refwatch -lll
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check refwatch tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy refwatch

# Regenerate the lock after editing pyproject.toml (needs `uv` on the developer's machine).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

bench: $(STAMP)
	$(BIN)/python benchmarks/import_speed.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) node_modules
