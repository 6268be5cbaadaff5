"""A port already taken is one line saying how to pick another — in the words that work where the bot was
started: `PORT=… make run` under `make run` (which takes no options), `--port …` otherwise."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fakeslack import BOT_TOKEN, FakeSlackServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


COMMANDS = {
    "serve": ["serve", "--host", "127.0.0.1", "--no-scheduler", "--workers", "1"],
    "serve-socket-mode": ["serve", "--host", "127.0.0.1", "--no-scheduler"],
    "playground": ["playground", "--no-open"],
}


@pytest.mark.parametrize("via_make", [False, True], ids=["by-hand", "make-run"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_busy_port_says_how_to_choose_another(tmp_path: Path, busy_port: int, command: str, via_make: bool):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DATABASE_URL", "MADOGUCHI_", "MAKE"))}
    env.update(PORT=str(busy_port), DATABASE_URL=f"sqlite:///{tmp_path}/m.db")
    if via_make:
        env["MADOGUCHI_STARTED_BY"] = "make"
    with FakeSlackServer(bot_token=BOT_TOKEN) as slack:
        if command.startswith("serve"):
            env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="secret", SLACK_API_URL=slack.url)
        if command == "serve-socket-mode":
            env["SLACK_APP_TOKEN"] = "xapp-1-A1-1-socket"
        done = subprocess.run([sys.executable, "-m", "bot", *COMMANDS[command]], env=env, capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)

    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr and "backtrace" not in done.stderr, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "already in use" in line]
    assert line.startswith("madoguchi"), line
    assert f"port {busy_port} is already in use" in line, line
    if via_make:
        assert f"PORT={busy_port + 1} make run" in line and "--port" not in line, line
    else:
        assert f"--port {busy_port + 1}" in line, line


def test_make_run_tells_the_bot_it_was_started_by_make():
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE)

    assert recipe is not None
    assert "MADOGUCHI_STARTED_BY=make" in recipe.group(1)


def test_the_playground_takes_its_port_from_dotenv_too(tmp_path: Path, busy_port: int):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "MADOGUCHI_", "MAKE",
                                                                    "PORT"))}
    (tmp_path / ".env").write_text(f"PORT={busy_port}\n", encoding="utf-8")

    done = subprocess.run([sys.executable, "-m", "bot", "playground", "--no-open"], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)

    assert done.returncode != 0
    assert f"port {busy_port} is already in use" in done.stderr, done.stderr
