"""The foundation, end to end: signed HTTP requests into the real app, answers from the fake Slack."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import func, select

from bot.fakeslack import payloads
from bot.home_opens import RecentOpens
from models import ProcessedEvent

EMPLOYEE_JA = "UEMPLOYEE1"  # 山田 花子, Slack locale ja-JP
EMPLOYEE_EN = "UEMPLOYEE2"  # Alex Smith, locale en


def test_forged_signature_is_rejected_with_401(bot):
    reply = bot.requester.send(payloads.command(user_id=EMPLOYEE_JA, text="help"),
                               signing_secret="not-the-real-secret")
    assert reply.status == 401


def test_request_older_than_five_minutes_is_rejected_with_401(bot):
    reply = bot.requester.send(payloads.command(user_id=EMPLOYEE_JA, text="help"), age=301)
    assert reply.status == 401


def test_request_signed_just_now_is_accepted(bot):
    reply = bot.requester.send(payloads.command(user_id=EMPLOYEE_JA, text="help"), age=2)
    assert reply.status == 200


@pytest.mark.parametrize(
    ("user", "title"),
    [(EMPLOYEE_JA, "窓口（madoguchi）の使い方"), (EMPLOYEE_EN, "How to use madoguchi")],
)
def test_helpdesk_help_answers_in_the_users_language(bot, user, title):
    reply = bot.command(user, "help")

    assert reply.status == 200
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body["text"].startswith(title)
    assert reply.body["blocks"][0]["text"]["text"] == title


def test_locale_comes_from_slack_users_info_once(bot):
    bot.slack.add_user(__import__("bot.fakeslack", fromlist=["FakeUser"]).FakeUser(
        id="UNEWCOMER", name="newcomer", locale="en-GB"))

    first = bot.command("UNEWCOMER", "help")
    second = bot.command("UNEWCOMER", "ヘルプ")

    assert first.body["text"].startswith("How to use madoguchi")
    assert second.body["text"].startswith("How to use madoguchi")
    assert len(bot.slack.calls("users.info")) == 1


REFUSE_PROFILE_WRITES = {
    "sqlite": ["CREATE TRIGGER refuse_profiles BEFORE INSERT ON user_profiles "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
    "postgresql": ["CREATE OR REPLACE FUNCTION refuse_profiles() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
                   "CREATE TRIGGER refuse_profiles BEFORE INSERT ON user_profiles "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_profiles()"],
}
ALLOW_PROFILE_WRITES = {  # PostgreSQL's test database is shared by the session's tests
    "sqlite": ["DROP TRIGGER refuse_profiles"],
    "postgresql": ["DROP TRIGGER refuse_profiles ON user_profiles", "DROP FUNCTION refuse_profiles()"],
}


def test_a_profile_the_database_would_not_cache_still_answers_and_logs_one_line(bot, caplog):
    engine = bot.services.session_factory.kw["bind"]
    with engine.begin() as connection:
        for statement in REFUSE_PROFILE_WRITES[engine.dialect.name]:
            connection.exec_driver_sql(statement)
    bot.slack.add_user(__import__("bot.fakeslack", fromlist=["FakeUser"]).FakeUser(
        id="UNEWCOMER", name="newcomer", locale="en-GB"))

    try:
        with caplog.at_level(logging.WARNING, logger="bot.locale"):
            reply = bot.command("UNEWCOMER", "help")
            for writer in [t for t in threading.enumerate() if t.name == "profile-cache"]:
                writer.join(timeout=10)
    finally:
        with engine.begin() as connection:
            for statement in ALLOW_PROFILE_WRITES[engine.dialect.name]:
                connection.exec_driver_sql(statement)

    assert reply.body["text"].startswith("How to use madoguchi")
    lost = [r for r in caplog.records if r.name == "bot.locale"]
    assert len(lost) == 1 and lost[0].levelno == logging.WARNING
    assert lost[0].exc_info is None and "\n" not in lost[0].getMessage()
    assert "UNEWCOMER" in lost[0].getMessage() and "disk full" not in lost[0].getMessage()


def test_url_verification_echoes_the_challenge(bot):
    reply = bot.requester.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert reply.status == 200
    assert reply.body == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_opening_app_home_publishes_a_home_view(bot):
    event = {"type": "app_home_opened", "user": EMPLOYEE_JA, "channel": bot.slack.dm_channel(EMPLOYEE_JA),
             "tab": "home", "event_ts": "1700000000.000100"}
    assert bot.requester.event(event).status == 200

    bot.deliver()

    published = bot.slack.home_view(EMPLOYEE_JA)
    assert published is not None
    texts = str(published["blocks"])
    assert "山田 花子" in texts and "申請する" in texts


def test_a_retried_event_is_processed_once(bot):
    dm = bot.slack.dm_channel(EMPLOYEE_JA)
    question = bot.slack.user_says(dm, EMPLOYEE_JA, "有給休暇は何日ありますか")
    first = bot.requester.event(question, event_id="Ev0RETRY0001")
    bot.deliver()
    answers = [m for m in bot.slack.messages(dm) if m.get("user") != EMPLOYEE_JA]
    retry = bot.requester.event(question, event_id="Ev0RETRY0001", retry_num=1, retry_reason="http_timeout")
    bot.deliver()

    assert (first.status, retry.status) == (200, 200)
    assert len(answers) == 1  # the bot answered the question once…
    assert [m for m in bot.slack.messages(dm) if m.get("user") != EMPLOYEE_JA] == answers  # …and not again
    with bot.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_repeated_home_opens_coalesce_into_one_refresh_without_dedupe_records(bot):
    event = {"type": "app_home_opened", "user": EMPLOYEE_EN, "channel": bot.slack.dm_channel(EMPLOYEE_EN),
             "tab": "home", "event_ts": "1700000000.000200"}
    replies = [bot.requester.event(event, event_id=f"Ev0HOME000{n}") for n in range(3)]
    bot.deliver()
    retry = bot.requester.event(event, event_id="Ev0HOME0000", retry_num=1, retry_reason="http_timeout")
    bot.deliver()

    assert {r.status for r in [*replies, retry]} == {200}
    # Three opens before delivery become one publish; the retry re-renders the same state once more.
    assert len(bot.slack.calls("views.publish")) == 2
    with bot.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_opening_home_again_within_the_refresh_window_touches_nothing(bot):
    # The harness refreshes on every open; the product (30 s) and this test (60 s) do not.
    bot.services.recent_home_opens = RecentOpens(window=60.0)

    def open_home(user: str, n: int) -> int:
        event = {"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user), "tab": "home",
                 "event_ts": f"1700000000.00040{n}"}
        return bot.requester.event(event, event_id=f"Ev0HOMEMEMO{n}").status

    assert open_home(EMPLOYEE_JA, 1) == 200
    bot.deliver()
    assert open_home(EMPLOYEE_JA, 2) == 200  # refreshed a moment ago: answered from memory
    assert open_home(EMPLOYEE_EN, 3) == 200  # someone else: their own refresh

    assert [m.lane for m in bot.outbox()] == [f"home:{EMPLOYEE_JA}", f"home:{EMPLOYEE_EN}"]


@pytest.mark.parametrize(("seconds_later", "recent"), [(0.0, True), (59.9, True), (60.0, False), (-5.0, False)])
def test_recent_opens_remember_a_person_for_the_window(seconds_later, recent):
    opens = RecentOpens(window=60.0)
    opens.mark("U1", 1000.0)
    assert opens.seen_recently("U1", 1000.0 + seconds_later) is recent
    assert not opens.seen_recently("U2", 1000.0)


def test_recent_opens_with_no_window_remember_nobody():
    opens = RecentOpens(window=0.0)
    opens.mark("U1", 1000.0)
    assert not opens.seen_recently("U1", 1000.0)


def test_healthz_reports_the_database(bot):
    import urllib.request

    with urllib.request.urlopen(bot.http.url + "/healthz", timeout=5) as response:
        assert response.status == 200
    bot.services.engine.dispose()


def test_healthz_is_503_when_the_database_is_gone():
    import urllib.error
    import urllib.request

    from bot.server import HttpServer, WsgiApp
    from models.db import make_engine

    engine = make_engine("postgresql://postgres@127.0.0.1:1/nowhere", pool_pre_ping=False)
    server = HttpServer(WsgiApp(app=_bare_bolt_app(), engine=engine), host="127.0.0.1", port=0).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(server.url + "/healthz", timeout=10)
        assert failure.value.code == 503
    finally:
        server.stop()


def _bare_bolt_app():
    from slack_bolt import App

    return App(token="xoxb-x", signing_secret="s", token_verification_enabled=False)


def test_only_a_request_that_queued_a_message_wakes_the_outbox_dispatcher(bot):
    # Waking it costs a claim transaction; an ack-only answer like /helpdesk help has nothing to send.
    assert bot.command("UEMPLOYEE1", "help").status == 200
    assert not bot.services.dispatcher.notified

    event = {"type": "app_home_opened", "user": EMPLOYEE_JA, "channel": bot.slack.dm_channel(EMPLOYEE_JA),
             "tab": "home", "event_ts": "1700000000.000300"}
    assert bot.requester.event(event).status == 200
    assert bot.services.dispatcher.notified  # the Home refresh is waiting


def test_healthz_names_the_faq_encoders_in_use(bot):
    import json
    import urllib.request

    from faq import embed, wordvec

    with urllib.request.urlopen(bot.http.url + "/healthz", timeout=5) as response:
        body = json.loads(response.read())
    assert {"ok", "database", "slack"} <= body.keys()
    # The bot built its FAQ index at start: healthz reports what that loaded (int8 onnxruntime here).
    assert body["encoders"] == {"en": embed.describe(embed.default_encoder()), "ja": wordvec.status()}
    assert body["encoders"]["en"].startswith("all-MiniLM-L6-v2 ")
    bot.services.engine.dispose()


def test_healthz_reports_a_missing_encoder_and_stays_200(monkeypatch, tmp_path):
    import json
    import urllib.request

    from bot.server import HttpServer, WsgiApp
    from bot.services import SlackIdentity
    from faq import embed
    from models.db import make_engine

    monkeypatch.setattr(embed, "_DEFAULT", [embed._Loaded(None, "the all-MiniLM-L6-v2 weights are not installed")])
    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    wsgi = WsgiApp(app=_bare_bolt_app(), engine=engine, slack_identity=SlackIdentity())
    server = HttpServer(wsgi, host="127.0.0.1", port=0).start()
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
            assert response.status == 200
            body = json.loads(response.read())
    finally:
        server.stop()
        engine.dispose()
    assert body["ok"] is True and body["database"] == "up" and body["slack"] == "ok"
    assert body["encoders"]["en"] == "missing"
