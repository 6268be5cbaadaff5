"""The outbox delivers what was committed, in order, through Slack's bad days: nothing lost,
nothing sent twice by a retry, and a dead letter (with an admin alert) when Slack keeps refusing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot import outbox
from bot.clock import ManualClock
from bot.fakeslack import BOT_TOKEN, FakeSlackServer
from bot.outbox import Dispatcher, RetryPolicy
from models import OutboxMessage
from models.db import make_session_factory

CHANNEL = "CFINANCE"
ADMIN = "UADMIN001"


@dataclass
class Desk:
    slack: FakeSlackServer
    clock: ManualClock
    dispatcher: Dispatcher
    factory: object

    def enqueue(self, fn, *args, **kwargs):
        with self.factory() as session, session.begin():
            fn(session, *args, **kwargs)

    def status(self) -> list[tuple[str, str, int]]:
        with self.factory() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            return [(m.method, m.status, m.attempts) for m in rows]

    def later(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def texts(self, channel: str = CHANNEL) -> list[str]:
        return [m["text"] for m in self.slack.messages(channel)]


def make_dispatcher(engine: Engine, slack: FakeSlackServer, clock: ManualClock) -> Dispatcher:
    return Dispatcher(
        make_session_factory(engine),
        WebClient(token=BOT_TOKEN, base_url=slack.url, timeout=2),
        clock=clock,
        policy=RetryPolicy(base_delay=2.0, max_delay=60.0, lane_interval=1.0),
        alert_recipients=lambda: [ADMIN],
    )


@pytest.fixture
def desk(clean_engine: Engine) -> Iterator[Desk]:
    with FakeSlackServer() as slack:
        clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        yield Desk(slack, clock, make_dispatcher(clean_engine, slack, clock), make_session_factory(clean_engine))


def test_a_card_is_posted_then_updated_in_place(desk):
    desk.enqueue(outbox.post, CHANNEL, "FIN-0001 受付", ref="ticket:1:card")
    desk.enqueue(outbox.update, "ticket:1:card", "FIN-0001 担当: 田中")

    desk.dispatcher.drain()

    assert desk.texts() == ["FIN-0001 担当: 田中"]
    assert [s for _, s, _ in desk.status()] == ["sent", "sent"]


def test_an_update_waits_for_the_post_it_edits(desk):
    desk.slack.fail("chat.postMessage", "server_error")
    desk.enqueue(outbox.post, CHANNEL, "card v1", ref="ticket:2:card")
    desk.enqueue(outbox.update, "ticket:2:card", "card v2")

    desk.dispatcher.drain()
    assert desk.texts() == []  # the post failed; the update must not jump ahead

    desk.later(60)
    desk.dispatcher.drain()
    assert desk.texts() == ["card v2"]


def test_a_reply_lands_in_the_thread_of_a_remembered_message(desk):
    desk.enqueue(outbox.post, CHANNEL, "parent", ref="ticket:3:card")
    desk.enqueue(outbox.post, CHANNEL, "reply", target_ref="ticket:3:card")

    desk.dispatcher.drain()
    desk.later(1)
    desk.dispatcher.drain()

    parent, reply = desk.slack.messages(CHANNEL)
    assert reply.get("thread_ts") == parent["ts"]


def test_rate_limited_waits_for_retry_after_and_then_delivers_once(desk):
    desk.slack.fail("chat.postMessage", "rate_limited", retry_after=7)
    desk.enqueue(outbox.post, CHANNEL, "こんにちは")

    desk.dispatcher.drain()
    assert desk.status() == [("chat.postMessage", "pending", 1)]

    desk.later(6)
    desk.dispatcher.drain()
    assert desk.texts() == []  # Retry-After is a floor, not a suggestion

    desk.later(2)
    desk.dispatcher.drain()
    assert desk.texts() == ["こんにちは"]
    assert desk.status() == [("chat.postMessage", "sent", 2)]


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "server_error", "status": 500},
        {"kind": "server_error", "status": 503},
        {"kind": "drop"},
        {"kind": "ok_false", "error": "internal_error"},
    ],
    ids=["500", "503", "dropped-connection", "ok-false-internal_error"],
)
def test_transient_failures_are_retried_until_delivered(desk, fault):
    desk.slack.fail("chat.postMessage", times=3, **fault)
    desk.enqueue(outbox.post, CHANNEL, "届きますように")

    for _ in range(4):
        desk.dispatcher.drain()
        desk.later(120)

    assert desk.texts() == ["届きますように"]
    assert desk.status() == [("chat.postMessage", "sent", 4)]


def test_a_permanent_error_goes_straight_to_the_dead_letter_and_alerts_admins(desk):
    desk.slack.fail("chat.postMessage", "ok_false", error="channel_not_found")
    desk.enqueue(outbox.post, "CGONE0000", "どこへ?")

    desk.dispatcher.drain()

    assert desk.status()[0] == ("chat.postMessage", "dead", 1)
    alert = desk.slack.messages(desk.slack.dm_channel(ADMIN))
    assert len(alert) == 1 and "channel_not_found" in alert[0]["text"]


def test_after_the_last_attempt_the_message_is_dead_and_nothing_else_is_lost(desk):
    desk.slack.fail("chat.postMessage", "server_error", times=8)
    desk.enqueue(outbox.post, CHANNEL, "最後まで失敗")

    for _ in range(10):
        desk.dispatcher.drain()
        desk.later(120)

    first = desk.status()[0]
    assert first == ("chat.postMessage", "dead", 8)
    (alert,) = desk.slack.messages(desk.slack.dm_channel(ADMIN))
    assert "chat.postMessage" in alert["text"] and "HTTP 500" in alert["text"]


def test_one_message_per_second_per_channel(desk):
    for n in range(3):
        desk.enqueue(outbox.post, CHANNEL, f"#{n}")
    desk.enqueue(outbox.post, "CHR", "other channel")

    desk.dispatcher.drain()
    assert desk.texts() == ["#0"]
    assert desk.texts("CHR") == ["other channel"]

    desk.later(1)
    desk.dispatcher.drain()
    desk.later(1)
    desk.dispatcher.drain()
    assert desk.texts() == ["#0", "#1", "#2"]


def test_a_dedupe_key_enqueues_once(desk):
    desk.enqueue(outbox.post, CHANNEL, "once", dedupe_key="receipt:1")
    desk.enqueue(outbox.post, CHANNEL, "once", dedupe_key="receipt:1")

    assert len(desk.status()) == 1


def test_home_refreshes_in_a_burst_become_one_publish(desk):
    rendered = []

    def render(session, payload):
        rendered.append(payload["user"])
        return "views.publish", {"user_id": payload["user"], "view": {"type": "home", "blocks": []}}

    desk.dispatcher.register_renderer(outbox.HOME_REFRESH, render)
    for _ in range(5):
        desk.enqueue(outbox.refresh_home, "UEMPLOYEE1")

    desk.dispatcher.drain()

    assert rendered == ["UEMPLOYEE1"]
    assert len(desk.slack.calls("views.publish")) == 1


def test_a_person_s_home_is_published_at_most_once_a_second_with_later_changes_coalesced(desk):
    def render(session, payload):
        return "views.publish", {"user_id": payload["user"], "view": {"type": "home", "blocks": []}}

    desk.dispatcher.register_renderer(outbox.HOME_REFRESH, render)
    desk.enqueue(outbox.refresh_home, "UEMPLOYEE1")
    desk.dispatcher.drain()
    for _ in range(3):  # three more changes within the second: they wait, as one refresh
        desk.enqueue(outbox.refresh_home, "UEMPLOYEE1")
    desk.enqueue(outbox.refresh_home, "UMANAGER1")  # someone else's Home is not held back
    desk.dispatcher.drain()

    published = [c.params["user_id"] for c in desk.slack.calls("views.publish")]
    assert published == ["UEMPLOYEE1", "UMANAGER1"]
    desk.later(1)
    desk.dispatcher.drain()
    published = [c.params["user_id"] for c in desk.slack.calls("views.publish")]
    assert published == ["UEMPLOYEE1", "UMANAGER1", "UEMPLOYEE1"]


def test_against_a_local_fake_a_response_url_naming_real_slack_is_refused_not_tried(desk):
    desk.enqueue(outbox.respond, "https://hooks.slack.com/actions/T1/1/abc", {"text": "解決しました"})

    desk.dispatcher.drain()

    (message,) = [m for m in desk.status() if m[0] == outbox.RESPONSE_URL]
    assert message[1] == "dead" and message[2] == 1  # one attempt, no retries, nothing sent anywhere


def test_a_crashed_sender_is_taken_over_after_its_lease(desk):
    desk.enqueue(outbox.post, CHANNEL, "orphan")
    claimed = desk.dispatcher._claim()  # a replica claims it and dies before sending
    assert len(claimed) == 1

    desk.dispatcher.drain()
    assert desk.texts() == []  # still leased to the dead replica

    desk.later(61)
    desk.dispatcher.drain()
    assert desk.texts() == ["orphan"]


def test_two_dispatchers_deliver_each_message_exactly_once_in_lane_order(clean_engine):
    lanes = ["CFINANCE", "CHR", "CGENERAL", "CLEGAL", "CIT"]
    with FakeSlackServer() as slack:
        clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        factory = make_session_factory(clean_engine)
        with factory() as session, session.begin():
            for n in range(8):
                for lane in lanes:
                    outbox.post(session, lane, f"{lane}-{n}")
        replicas = [make_dispatcher(clean_engine, slack, clock) for _ in range(2)]

        for _ in range(12):
            threads = [threading.Thread(target=r.drain) for r in replicas]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            clock.advance(timedelta(seconds=1))

        for lane in lanes:
            assert [m["text"] for m in slack.messages(lane)] == [f"{lane}-{n}" for n in range(8)]
        assert len(slack.calls("chat.postMessage")) == 40
