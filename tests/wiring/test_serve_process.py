"""`madoguchi serve` as a real process: health, signature checks, a command, a clean shutdown."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fakeslack import BOT_TOKEN, FakeSlackServer, FakeUser, SlackRequester, payloads

SECRET = "serve-process-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def madoguchi(*args: str, env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                          timeout=60, **kw)


@contextlib.contextmanager
def serve_process(tmp_path: Path, slack: FakeSlackServer, *, scheduler: bool = False, **extra_env: str
                  ) -> Iterator[tuple[SlackRequester, subprocess.Popen, int]]:
    """`python -m bot serve` on a fresh SQLite file against `slack`, healthy before it is handed over."""
    port = free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.url, "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "PORT": str(port),
           **extra_env}
    env.pop("SLACK_APP_TOKEN", None)
    new_session = bool(env.pop("start_new_session", ""))
    assert madoguchi("db", "upgrade", env=env).returncode == 0
    argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"] + ([] if scheduler else ["--no-scheduler"])
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=new_session)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        yield SlackRequester(f"http://127.0.0.1:{port}", SECRET), process, port
    finally:
        if process.poll() is None:
            # A graceful stop first: Granian's workers run in process groups of their own, so killing the
            # supervisor alone (a start that never became healthy) left them serving after the test.
            if new_session:
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                if new_session:
                    os.killpg(process.pid, signal.SIGKILL)
                process.kill()
        process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SlackRequester, subprocess.Popen, FakeSlackServer]]:
    with (FakeSlackServer(users=[FakeUser(id="UEMPLOYEE1", name="yamada", locale="ja-JP")]) as slack,
          serve_process(tmp_path, slack) as (requester, process, _port)):
        yield requester, process, slack


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("serve did not become healthy")


def test_serve_answers_health_rejects_forgeries_and_acks_help(served):
    requester, process, slack = served

    forged = requester.send(payloads.command(user_id="UEMPLOYEE1", text="help"), signing_secret="wrong")
    stale = requester.send(payloads.command(user_id="UEMPLOYEE1", text="help"), age=400)
    help_reply = requester.command(user_id="UEMPLOYEE1", text="help")

    assert forged.status == 401
    assert stale.status == 401
    assert help_reply.status == 200
    assert help_reply.body["text"].startswith("窓口（madoguchi）の使い方")
    assert slack.calls("auth.test"), "serve identifies the bot at start"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    output = process.stdout.read() if process.stdout else ""
    assert "will be ignored" not in output and "will be unused" not in output, output  # Bolt's token warnings
    # The forgeries above are refused with one WARNING each (bot/gate.py); nothing else warns.
    warnings = [line for line in output.splitlines() if " WARNING " in line or " ERROR " in line]
    assert len(warnings) == 2 and all("refused an unverified request" in w for w in warnings), output


def test_serve_without_a_token_explains_the_setup(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/x.db"

    result = madoguchi("serve", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "madoguchi manifest" in result.stderr


def test_serve_with_two_workers_shares_the_port_and_stops_every_worker(tmp_path: Path):
    with (FakeSlackServer(users=[FakeUser(id="UEMPLOYEE1", name="yamada", locale="ja-JP")]) as slack,
          serve_process(tmp_path, slack, WEB_CONCURRENCY="2") as (requester, process, port)):
        assert slack.wait_for("auth.test", count=2), "each worker identifies the bot"
        replies = [requester.command(user_id="UEMPLOYEE1", text="help") for _ in range(6)]
        assert {r.status for r in replies} == {200}

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        output = process.stdout.read() if process.stdout else ""
        workers = set(re.findall(r"Spawning worker-\d+ with PID: (\d+)", output))
        assert len(workers) == 2, output
        for pid in workers:  # every worker is gone (one still starting included), not only the supervisor
            with pytest.raises(ProcessLookupError):
                os.kill(int(pid), 0)
        with pytest.raises(OSError):  # nobody is left listening
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_serve_runs_the_scheduler_in_a_child_process_and_stops_it(tmp_path: Path):
    with (FakeSlackServer(users=[FakeUser(id="UEMPLOYEE1", name="yamada", locale="ja-JP")]) as slack,
          serve_process(tmp_path, slack, scheduler=True) as (requester, process, _port)):
        assert requester.command(user_id="UEMPLOYEE1", text="help").status == 200
        assert slack.wait_for("auth.test", count=2), "the worker and the scheduler identify the bot"

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        output = process.stdout.read() if process.stdout else ""
        scheduler = re.search(r"scheduler pid (\d+)", output)
        assert scheduler, output
        with pytest.raises(ProcessLookupError):
            os.kill(int(scheduler.group(1)), 0)


def _raw_post(port: int, body: bytes, headers: dict[str, str], *, announce: int | None = None) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        if announce is None:
            connection.request("POST", "/slack/events", body=body, headers=headers)
        else:  # announce a length and send only `body`: the answer must not wait for the rest
            connection.putrequest("POST", "/slack/events")
            for name, value in {**headers, "Content-Length": str(announce)}.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(body)
        return connection.getresponse().status
    finally:
        connection.close()


def test_serve_gates_forged_oversized_and_malformed_requests(tmp_path: Path):
    from bot.fakeslack.signing import sign

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    click = (b"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22UEMPLOYEE1%22%7D%2C"
             b"%22channel%22%3A%7B%22id%22%3A%22C0HELPDESK%22%7D%2C%22actions%22%3A%5B%5D%7D")
    with (FakeSlackServer(users=[FakeUser(id="UEMPLOYEE1", name="yamada", locale="ja-JP")]) as slack,
          serve_process(tmp_path, slack) as (requester, process, port)):
        slack.clear()
        forged = _raw_post(port, click, {**form, "X-Slack-Request-Timestamp": "abc",
                                         "X-Slack-Signature": "v0=" + "0" * 64})
        unsigned_garbage = _raw_post(port, b"[" * 200_000, {"Content-Type": "application/json"})
        not_json = b"payload=notjson"
        signed_garbage = _raw_post(port, not_json, {**form, **sign(SECRET, int(time.time()), not_json)})
        oversized = _raw_post(port, b"payload=" + b"a" * 1000, form, announce=2 * 1024 * 1024)
        time.sleep(0.2)
        assert [c.method for c in slack.calls()] == []  # no apology to anyone named in a forged body
        help_reply = requester.command(user_id="UEMPLOYEE1", text="help")

        assert (forged, unsigned_garbage, signed_garbage, oversized) == (401, 401, 400, 413)
        assert help_reply.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        output = process.stdout.read() if process.stdout else ""
        assert "Traceback" not in output
        assert output.count("refused an unverified request") == 2, output


def test_ctrl_c_on_serve_finishes_the_request_in_flight_and_stops_every_process_within_5_s(tmp_path: Path):
    """A terminal's Ctrl-C reaches the whole process group (supervisor, workers, scheduler child) at once."""
    import threading

    with (FakeSlackServer(users=[FakeUser(id="UEMPLOYEE1", name="yamada", locale="ja-JP")]) as slack,
          serve_process(tmp_path, slack, scheduler=True, WEB_CONCURRENCY="2", start_new_session="1")
          as (requester, process, _port)):
        assert slack.wait_for("auth.test", count=3, timeout=30), "both workers and the scheduler are up"
        slack.fail("views.open", "slow", seconds=1.5)  # `/helpdesk delegate` opens its modal before the ack
        replies = []
        slow = threading.Thread(target=lambda: replies.append(requester.command(
            user_id="UEMPLOYEE1", text="delegate", trigger_id=slack.issue_trigger("UEMPLOYEE1"))))
        slow.start()
        deadline = time.monotonic() + 10
        while slack.pending_faults() and time.monotonic() < deadline:  # taken when views.open arrives
            time.sleep(0.02)
        assert not slack.pending_faults(), "the request never reached views.open"
        time.sleep(0.2)  # the request is inside a worker, waiting on Slack

        started = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=15) == 0
        stopped_in = time.monotonic() - started
        slow.join(timeout=10)
        output = process.stdout.read() if process.stdout else ""

        assert stopped_in < 5, f"serve took {stopped_in:.1f} s to stop:\n{output}"
        assert replies and replies[0].status == 200, output
        assert "Killing" not in output, output
        pids = set(re.findall(r"Spawning worker-\d+ with PID: (\d+)", output))
        pids |= set(re.findall(r"scheduler pid (\d+)", output))
        assert len(pids) == 3, output
        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(int(pid), 0)


def test_a_stop_while_another_process_holds_the_database_still_ends_every_worker_in_time(tmp_path: Path):
    """Each worker's outbox polls the database every second; a poll can wait up to SQLite's busy timeout
    (5 s) behind another process's write. Stopping then must not wait for that poll past the supervisor's
    kill timeout: nothing is in hand, and an abandoned poll loses nothing."""
    import sqlite3

    with (FakeSlackServer(users=[FakeUser(id="UEMPLOYEE1", name="yamada", locale="ja-JP")]) as slack,
          serve_process(tmp_path, slack, WEB_CONCURRENCY="2", start_new_session="1")
          as (_requester, process, _port)):
        # Both workers ready, their start-up writes done (the FAQ's seed and word analyses): the lock below
        # must meet only their outbox polls. /healthz answers as soon as one worker is ready.
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while sum("HTTP worker ready" in line for line in list(lines)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sum("HTTP worker ready" in line for line in list(lines)) == 2, "".join(lines)
        holder = sqlite3.connect(f"{tmp_path}/serve.db", isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            time.sleep(1.5)  # both workers' next poll is waiting on the lock
            started = time.monotonic()
            os.killpg(process.pid, signal.SIGINT)
            assert process.wait(timeout=15) == 0
            stopped_in = time.monotonic() - started
        finally:
            holder.close()
        reader.join(timeout=10)
        output = "".join(lines)

        assert "Killing" not in output, output
        assert stopped_in < 4, f"serve took {stopped_in:.1f} s to stop:\n{output}"
        assert "database unavailable" not in output, output  # a poll abandoned at a stop is no outage


def test_serve_starts_when_slack_is_unreachable_and_says_so_once(tmp_path: Path):
    """Slack down (or the network to it) at start: the bot acks what reaches it, the outbox waits, and the
    operator reads one warning — not one per worker."""
    with FakeSlackServer() as slack:
        unreachable = f"http://127.0.0.1:{free_port()}/api/"
        with serve_process(tmp_path, slack, WEB_CONCURRENCY="2", SLACK_API_URL=unreachable) as (_r, process, _p):
            time.sleep(3)  # both workers have started (checked below)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
            output = process.stdout.read() if process.stdout else ""

    assert output.count("HTTP worker ready") == 2, output
    warnings = [line for line in output.splitlines() if " WARNING " in line]
    assert len(warnings) == 1 and "auth.test" in warnings[0], output
    assert " ERROR " not in output and "Traceback" not in output, output


def test_serve_in_oauth_mode_installs_a_workspace_and_answers_it(tmp_path: Path) -> None:
    """`madoguchi serve` with SLACK_CLIENT_ID and no bot token: the install flow and a desk, in real worker
    processes (bot/granian_server.py builds OAuth mode's app there)."""
    from cryptography.fernet import Fernet

    from bot.config import load_workspace
    from bot.fakeslack.api_oauth import CLIENT_ID, CLIENT_SECRET
    from bot.settings import BUNDLED_CONFIG
    from tests.harness import people_as_fake_users

    (tmp_path / "TALPHA0001.yaml").write_text(BUNDLED_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    users = people_as_fake_users(load_workspace(BUNDLED_CONFIG))
    with (FakeSlackServer(users=users) as slack,
          serve_process(tmp_path, slack, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                        SLACK_CLIENT_SECRET=CLIENT_SECRET,
                        MADOGUCHI_TOKEN_KEY=Fernet.generate_key().decode(), MADOGUCHI_TEAMS_DIR=str(tmp_path),
                        MADOGUCHI_TEAM_DATABASE_URL=f"sqlite:///{tmp_path}/desk-{{team}}.db",
                        WEB_CONCURRENCY="1") as (requester, process, port)):
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"http://127.0.0.1:{port}/slack/install", timeout=10)
            pytest.fail("expected a redirect to Slack's consent page")
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                process.terminate()
                pytest.fail(process.communicate(timeout=15)[0])
            state = re.search(r"state=([^&]+)", redirect.headers["Location"]).group(1)
            cookie = redirect.headers["Set-Cookie"].split(";")[0]
        code = slack.grant_install("TALPHA0001", "Alpha")
        callback = urllib.request.Request(f"http://127.0.0.1:{port}/slack/oauth_redirect?code={code}&state={state}",
                                          headers={"Cookie": cookie})
        try:
            with urllib.request.urlopen(callback, timeout=30) as page:
                assert page.status == 200 and "インストールしました" in page.read().decode()
        except urllib.error.HTTPError:
            process.terminate()
            pytest.fail(process.communicate(timeout=15)[0])

        reply = requester.send(payloads.command(user_id="UEMPLOYEE1", text="help", team_id="TALPHA0001"))
        assert reply.status == 200 and reply.body["text"].startswith("窓口（madoguchi）の使い方")
        other = requester.send(payloads.command(user_id="UOTHER0001", text="help", team_id="TOTHER0001"))
        assert other.status == 200 and "まだ設定されていません" in other.body["text"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None
