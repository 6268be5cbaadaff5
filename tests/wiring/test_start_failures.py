"""What an operator sees when the bot cannot start or a command cannot reach what it needs: one line
saying what is wrong and what to do, a non-zero exit, no traceback — and what the bot records when it
can start anyway (Slack unreachable for now)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.composition import build_services
from bot.fakeslack import BOT_TOKEN, FakeSlackServer
from bot.settings import Settings, StartupFailed
from bot.startup import identify_bot

DB_PASSWORD = "s3cret-db-password"


def closed_port() -> int:
    """A loopback port nobody listens on: connections to it are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def madoguchi(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "MADOGUCHI_"))}
    return {**env, **extra}


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- the database is down -------------------------------------------------------------------------
DOWN_URLS = {
    "postgresql-refused": lambda tmp: f"postgresql://madoguchi:{DB_PASSWORD}@127.0.0.1:{closed_port()}/madoguchi",
    "sqlite-unopenable": lambda tmp: f"sqlite:///{tmp}/no-such-folder/madoguchi.db",
}


@pytest.mark.parametrize("argv", [("db", "upgrade"), ("audit", "verify"), ("digest", "--dry-run")],
                         ids=" ".join)
@pytest.mark.parametrize("down", sorted(DOWN_URLS))
def test_a_command_with_the_database_down_says_so_in_one_line(tmp_path: Path, argv, down):
    env = base_env(DATABASE_URL=DOWN_URLS[down](tmp_path), SLACK_BOT_TOKEN=BOT_TOKEN,
                   SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/")

    result = madoguchi(*argv, env=env)

    assert result.returncode == 2, result.stderr
    line = one_line(result)
    assert line.startswith("madoguchi: the database at "), line
    assert "not reachable" in line or "cannot be opened" in line, line
    assert DB_PASSWORD not in result.stderr + result.stdout


# -- Slack rejects the token ----------------------------------------------------------------------
@pytest.mark.parametrize("command", ["serve", "scheduler"])
def test_a_token_slack_rejects_stops_the_start_with_one_clear_line(tmp_path: Path, command):
    with FakeSlackServer(bot_token=BOT_TOKEN) as slack:  # answers invalid_auth to any other token
        env = base_env(SLACK_BOT_TOKEN="xoxb-revoked-or-mistyped", SLACK_SIGNING_SECRET="secret",
                       SLACK_API_URL=slack.url, DATABASE_URL=f"sqlite:///{tmp_path}/m.db",
                       PORT=str(closed_port()))
        assert madoguchi("db", "upgrade", env=env).returncode == 0

        result = madoguchi(command, "--host", "127.0.0.1", env=env) if command == "serve" else \
            madoguchi(command, env=env)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "SLACK_BOT_TOKEN" in line]
    assert len(errors) == 1, result.stderr
    assert "invalid_auth" in errors[0] and "OAuth & Permissions" in errors[0], errors[0]
    assert "xoxb-revoked" not in result.stderr


@pytest.mark.parametrize("error", ["invalid_auth", "account_inactive", "token_revoked", "not_authed"])
def test_identify_bot_records_a_rejected_token_and_refuses_to_start(clean_engine, error):
    with FakeSlackServer() as slack:
        slack.fail("auth.test", "ok_false", error=error)
        services = build_services(Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url),
                                  engine=clean_engine)
        with pytest.raises(StartupFailed, match=error):
            identify_bot(services)
    assert services.slack_identity.problem == error


def test_identify_bot_starts_when_slack_is_only_unreachable_and_records_it(clean_engine, caplog):
    services = build_services(Settings(SLACK_BOT_TOKEN=BOT_TOKEN,
                                       SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/"),
                              engine=clean_engine)
    with caplog.at_level("INFO"):
        identify_bot(services, retry_every=None)

    assert services.slack_identity.problem == "unreachable"
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and not warnings[0].exc_info, caplog.text


def test_identify_bot_clears_the_problem_once_slack_answers_again(clean_engine):
    with FakeSlackServer() as slack:
        slack.fail("auth.test", "server_error", status=503)
        services = build_services(Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url),
                                  engine=clean_engine)
        identify_bot(services, retry_every=0.2)
        assert services.slack_identity.problem in ("unreachable", "slack_error")
        slack.wait_for("auth.test", count=2, timeout=10)
        for _ in range(50):
            if services.slack_identity.problem is None:
                break
            slack.wait_for("auth.test", count=2, timeout=0.1)
    assert services.slack_identity.problem is None
    assert services.slack_identity.bot_user_id


def test_identify_bot_records_no_problem_when_slack_accepts_the_token(clean_engine):
    with FakeSlackServer() as slack:
        services = build_services(Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.url),
                                  engine=clean_engine)
        identify_bot(services)
    assert services.slack_identity.problem is None
    assert services.slack_identity.bot_user_id


# -- Socket Mode without a network ----------------------------------------------------------------
def test_socket_mode_without_a_network_fails_in_one_line(tmp_path: Path):
    env = base_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN="xapp-1-A0MADOGUCHI-1-fake",
                   SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/",
                   DATABASE_URL=f"sqlite:///{tmp_path}/m.db", PORT=str(closed_port()))
    assert madoguchi("db", "upgrade", env=env).returncode == 0

    result = madoguchi("serve", "--host", "127.0.0.1", env=env)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("madoguchi: ")]
    assert len(errors) == 1 and "Socket Mode" in errors[0], result.stderr
    assert [line for line in result.stderr.splitlines() if " ERROR " in line] == [], result.stderr
    warnings = [line for line in result.stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1 and "auth.test" in warnings[0], result.stderr  # Slack unreachable, said once
