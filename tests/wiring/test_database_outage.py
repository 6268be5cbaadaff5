"""A database that refuses connections or goes silent (tests/tcp_proxy.py in front of PostgreSQL): /healthz
answers within 2 s, a click or a command gets a polite answer in the user's language (not written to the
database that is down) and never a 5xx, and no request hangs past Slack's 3 s."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.fakeslack import payloads
from models.db import make_engine
from tests.dbs import truncate_all
from tests.harness import Bot, start_bot
from tests.tcp_proxy import TcpProxy, tcp_proxy

EMPLOYEE_EN = "UEMPLOYEE2"  # Alex Smith, locale en in the bundled config
EMPLOYEE_JA = "UEMPLOYEE1"


@pytest.fixture
def proxied(postgres_db: str, postgres_engine: Engine) -> Iterator[tuple[Bot, TcpProxy]]:
    truncate_all(postgres_engine)  # the session's database: start from nothing another test left
    url = make_url(postgres_db)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        running = start_bot(engine)
        try:
            yield running, proxy
        finally:
            proxy.heal()
            running.stop()


def healthz(bot: Bot) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(bot.http.url + "/healthz", timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw), time.monotonic() - started


def claim_click(bot: Bot, user: str) -> payloads.SlackRequest:
    return payloads.block_action(user_id=user, action_id="ticket_claim", value="1", channel_id="C0HELPDESK",
                                 message_ts="1700000000.000100",
                                 response_url=bot.slack.response_url("C0HELPDESK", user))


@pytest.mark.parametrize("fault", ["blackhole", "refuse"])
def test_healthz_answers_503_within_two_seconds_and_recovers(proxied, fault):
    bot, proxy = proxied
    assert healthz(bot)[0] == 200  # the pool now holds a live connection through the proxy

    getattr(proxy, fault)()
    answers = [healthz(bot) for _ in range(3)]
    proxy.heal()

    for status, body, seconds in answers:
        assert status == 503
        assert body["ok"] is False and body["database"] == "down"
        assert seconds < 2.0
    deadline = time.monotonic() + 10
    while healthz(bot)[0] != 200:
        assert time.monotonic() < deadline, "healthz did not recover after heal"
        time.sleep(0.2)


def test_healthz_reports_a_slack_problem(proxied):
    bot, _proxy = proxied
    bot.services.slack_identity.problem = "invalid_auth"
    status, body, _ = healthz(bot)
    assert status == 503
    assert body["slack"] == "invalid_auth" and body["database"] == "up"
    bot.services.slack_identity.problem = "unreachable"  # Slack's outage, not this replica's fault
    status, body, _ = healthz(bot)
    assert (status, body["slack"]) == (200, "unreachable")
    bot.services.slack_identity.problem = None
    status, body, _ = healthz(bot)
    assert (status, body["slack"]) == (200, "ok")


@pytest.mark.parametrize("fault", ["refuse", "blackhole"])
def test_a_click_while_the_database_is_down_gets_a_polite_ephemeral(proxied, fault):
    bot, proxy = proxied
    assert healthz(bot)[0] == 200
    getattr(proxy, fault)()

    started = time.monotonic()
    reply = bot.requester.send(claim_click(bot, EMPLOYEE_EN))
    took = time.monotonic() - started

    assert reply.status == 200
    assert took < 3.0
    assert bot.slack.wait_for("response_url", timeout=5)
    (answer,) = bot.slack.ephemerals(EMPLOYEE_EN)
    assert "try again" in answer["text"] and "Traceback" not in answer["text"]
    proxy.heal()
    assert bot.outbox() == []  # nothing was queued for later in the database that was down


def test_a_command_while_the_database_refuses_gets_an_ephemeral_body(proxied):
    bot, proxy = proxied
    proxy.refuse()
    bot.services.engine.dispose()

    reply = bot.command(EMPLOYEE_JA, "経費精算の締め日はいつですか")

    assert reply.status == 200
    assert reply.body["response_type"] == "ephemeral"
    assert "もう一度" in reply.body["text"]


def test_a_form_submitted_while_the_database_refuses_keeps_the_form_and_says_why(proxied):
    """The form stays underneath with everything typed; a small modal on top says to try again."""
    bot, proxy = proxied
    proxy.refuse()
    bot.services.engine.dispose()
    form = {"type": "modal", "callback_id": "request_submit", "private_metadata": '{"request_type": "expense"}',
            "title": {"type": "plain_text", "text": "経費精算"}, "blocks": []}

    reply = bot.requester.view_submission(user_id=EMPLOYEE_JA, view=form, values={})

    assert reply.status == 200
    assert reply.body["response_action"] == "push"
    assert "もう一度" in json.dumps(reply.body["view"], ensure_ascii=False)


def test_a_dm_question_while_the_database_refuses_is_left_to_slacks_retries_then_answered_politely(proxied):
    bot, proxy = proxied
    proxy.refuse()
    bot.services.engine.dispose()
    question = bot.slack.user_says(bot.slack.dm_channel(EMPLOYEE_EN), EMPLOYEE_EN, "How do I claim expenses?")

    first = bot.requester.event(question, event_id="Ev0DBDOWN001")
    last = bot.requester.event(question, event_id="Ev0DBDOWN001", retry_num=3)

    assert first.status == 503  # Slack delivers it again; nothing was lost
    assert last.status == 200  # no retry left: the person is told, without the database
    assert bot.slack.wait_for("chat.postMessage", timeout=5)
    (told,) = [c for c in bot.slack.calls("chat.postMessage")]
    assert "try again" in told.params["text"]
