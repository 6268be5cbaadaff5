"""The outbox delivers what was committed, in order, through Slack's bad days: nothing lost,
nothing sent twice by a retry, and a dead letter (with an admin alert) when Slack keeps refusing."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot import outbox
from bot.clock import ManualClock
from bot.fakeslack import BOT_TOKEN, FakeSlackServer, FakeUser
from bot.outbox import Dispatcher, RetryPolicy
from models import HomeViewer, OutboxMessage, SlackMessageRef
from models.db import make_session_factory

CHANNEL = "CFINANCE"
ADMIN = "UADMIN001"
EMPLOYEE = "UEMPLOYEE1"


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

    def row(self, n: int = 0) -> OutboxMessage:
        with self.factory() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))[n]

    def ref(self, name: str) -> tuple[str, str] | None:
        with self.factory() as session:
            where = session.get(SlackMessageRef, name)
            return None if where is None else (where.channel, where.ts)


def make_dispatcher(engine: Engine, slack: FakeSlackServer, clock: ManualClock) -> Dispatcher:
    return Dispatcher(
        make_session_factory(engine),
        WebClient(token=BOT_TOKEN, base_url=slack.url, timeout=2),
        clock=clock,
        wall_clock=clock,  # these tests run the real world's clock by hand: leases end when it says
        policy=RetryPolicy(base_delay=2.0, max_delay=60.0, lane_interval=1.0),
        alert_recipients=lambda: [ADMIN],
    )


@pytest.fixture
def desk(clean_engine: Engine) -> Iterator[Desk]:
    clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    # Slack's clock is ours: message timestamps and the lookup's `oldest` bound live in one world.
    with FakeSlackServer(clock=lambda: clock.now().timestamp(),
                         users=[FakeUser(EMPLOYEE, "employee"), FakeUser(ADMIN, "admin")]) as slack:
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


def has_opened_home(session, user: str) -> None:
    session.add(HomeViewer(slack_id=user, first_opened_at=datetime(2026, 11, 24, 1, 0, tzinfo=UTC)))


def render_homes(desk) -> list[str]:
    """An empty Home for whoever's refresh is delivered; the list of whose, in delivery order."""
    rendered: list[str] = []

    def render(session, payload):
        rendered.append(payload["user"])
        return "views.publish", {"user_id": payload["user"], "view": {"type": "home", "blocks": []}}

    desk.dispatcher.register_renderer(outbox.HOME_REFRESH, render)
    return rendered


def test_home_refreshes_in_a_burst_become_one_publish(desk):
    rendered = render_homes(desk)
    desk.enqueue(has_opened_home, "UEMPLOYEE1")
    for _ in range(5):
        desk.enqueue(outbox.refresh_home, "UEMPLOYEE1")

    desk.dispatcher.drain()

    assert rendered == ["UEMPLOYEE1"]
    assert len(desk.slack.calls("views.publish")) == 1


def test_a_person_s_home_is_published_at_most_once_a_second_with_later_changes_coalesced(desk):
    render_homes(desk)
    for user in ("UEMPLOYEE1", "UMANAGER1"):
        desk.enqueue(has_opened_home, user)
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


def test_a_home_nobody_has_opened_is_not_published(desk):
    """Slack sends app_home_opened on every switch to the tab, and that open renders afresh: publishing on
    every change to people who never look was the soak's largest cost, for nothing."""
    rendered = render_homes(desk)
    desk.enqueue(has_opened_home, "UMANAGER1")
    for user in ("UEMPLOYEE1", "UMANAGER1"):
        desk.enqueue(outbox.refresh_home, user)

    desk.dispatcher.drain()

    assert rendered == ["UMANAGER1"]
    assert [m[0] for m in desk.status()] == [outbox.HOME_REFRESH]


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


def post_in_turn(factory, lanes: list[str], *, per_lane: int) -> None:
    """`per_lane` posts to each lane, "<lane>-<n>", enqueued round-robin over the lanes."""
    with factory() as session, session.begin():
        for n in range(per_lane):
            for lane in lanes:
                outbox.post(session, lane, f"{lane}-{n}")


def drain_together(replicas: list[Dispatcher], clock: ManualClock, *, rounds: int, max_rounds: int = 50) -> None:
    """Replicas draining at the same moment, `rounds` times, the clock a second on after each."""
    for _ in range(rounds):
        threads = [threading.Thread(target=r.drain, kwargs={"max_rounds": max_rounds}) for r in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        clock.advance(timedelta(seconds=1))


def test_two_dispatchers_deliver_each_message_exactly_once_in_lane_order(clean_engine):
    lanes = ["CFINANCE", "CHR", "CGENERAL", "CLEGAL", "CIT"]
    with FakeSlackServer() as slack:
        clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        post_in_turn(make_session_factory(clean_engine), lanes, per_lane=8)
        replicas = [make_dispatcher(clean_engine, slack, clock) for _ in range(2)]

        drain_together(replicas, clock, rounds=12)

        for lane in lanes:
            assert [m["text"] for m in slack.messages(lane)] == [f"{lane}-{n}" for n in range(8)]
        assert len(slack.calls("chat.postMessage")) == 40


def test_six_dispatchers_racing_over_many_lanes_never_post_a_message_twice(clean_engine):
    """Found by the month soak (two replicas, PostgreSQL, no fault injected: posts 0.13 s apart). A
    dispatcher whose claim query began before another claimed, posted and finished a message re-read
    that row under FOR UPDATE as `sent` and claimed it again. Many lanes, one message per claim and no
    lane spacing make the window wide: before the fix this failed in each of 3 runs."""
    lanes = [f"C{n:05d}" for n in range(80)]
    with FakeSlackServer() as slack:
        clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        factory = make_session_factory(clean_engine)
        post_in_turn(factory, lanes, per_lane=4)
        replicas = [Dispatcher(factory, WebClient(token=BOT_TOKEN, base_url=slack.url, timeout=5), clock=clock,
                               wall_clock=clock, policy=RetryPolicy(base_delay=2.0, max_delay=60.0, lane_interval=0.0),
                               alert_recipients=lambda: [], batch_size=1) for _ in range(6)]

        drain_together(replicas, clock, rounds=8, max_rounds=500)

        posted = Counter(m["text"] for lane in lanes for m in slack.messages(lane))
        assert [text for text, times in posted.items() if times > 1] == []
        assert len(posted) == 320


# -- exactly once in effect: a post whose answer was lost is looked for before it is sent again ---------


class Killed(BaseException):
    """kill -9 between Slack applying the post and the dispatcher recording it."""


def test_a_post_applied_but_its_answer_lost_is_found_and_not_posted_again(desk):
    desk.slack.fail("chat.postMessage", "drop_after")
    desk.enqueue(outbox.post, CHANNEL, "FIN-0001 受付", ref="ticket:1:card")

    desk.dispatcher.drain()
    assert len(desk.slack.messages(CHANNEL)) == 1  # Slack has it; we never heard
    assert desk.status() == [("chat.postMessage", "pending", 1)]

    desk.later(60)
    desk.dispatcher.drain()

    (card,) = desk.slack.messages(CHANNEL)
    row = desk.row()
    assert (row.status, row.result["ts"], row.unsure_since) == ("sent", card["ts"], None)
    assert desk.ref("ticket:1:card") == (CHANNEL, card["ts"])
    assert card["metadata"] == {"event_type": "madoguchi_outbox", "event_payload": {"outbox_id": row.id}}
    assert len(desk.slack.calls("chat.postMessage")) == 1
    (lookup,) = desk.slack.calls("conversations.history")
    assert lookup.params["channel"] == CHANNEL and lookup.params["include_all_metadata"] in ("1", "true", True)

    desk.enqueue(outbox.update, "ticket:1:card", "FIN-0001 担当: 田中")  # the one card stays the live one
    desk.dispatcher.drain()
    assert desk.texts() == ["FIN-0001 担当: 田中"]


def test_a_post_slower_than_the_client_timeout_is_found_not_posted_twice(desk):
    desk.dispatcher._client.timeout = 0.3
    desk.slack.fail("chat.postMessage", "slow", seconds=0.8)
    desk.enqueue(outbox.post, CHANNEL, "遅い返事")

    desk.dispatcher.drain()
    assert desk.status() == [("chat.postMessage", "pending", 1)]  # timed out: outcome unknown
    desk.slack.wait_for("chat.postMessage", timeout=5)  # Slack finishes it after we gave up
    desk.dispatcher._client.timeout = 2  # the lookup gets the usual patience (a loaded CI box)

    desk.later(60)
    desk.dispatcher.drain()

    assert desk.texts() == ["遅い返事"]
    assert desk.row().status == "sent" and desk.row().result["ts"] == desk.slack.messages(CHANNEL)[0]["ts"]


def test_after_an_unknown_outcome_the_lookup_waits_for_slack_to_settle(desk):
    desk.slack.fail("chat.postMessage", "drop_after")
    desk.enqueue(outbox.post, CHANNEL, "待ってから探す")
    desk.dispatcher.drain()

    desk.later(20)  # a jittered backoff alone could be due by now; a slow request might still land
    desk.dispatcher.drain()
    assert desk.slack.calls("conversations.history") == []

    desk.later(15)
    desk.dispatcher.drain()
    assert desk.texts() == ["待ってから探す"] and desk.row().status == "sent"


def test_a_dropped_request_that_never_reached_slack_is_looked_for_then_posted_once(desk):
    desk.slack.fail("chat.postMessage", "drop")  # to us it looks the same as drop_after
    desk.enqueue(outbox.post, CHANNEL, "まだ届いていない")

    desk.dispatcher.drain()
    desk.later(60)
    desk.dispatcher.drain()

    assert desk.texts() == ["まだ届いていない"]
    assert len(desk.slack.calls("conversations.history")) == 1
    assert desk.status() == [("chat.postMessage", "sent", 2)]


def test_when_the_lookup_fails_nothing_is_posted_blind(desk):
    desk.slack.fail("chat.postMessage", "drop_after")
    desk.slack.fail("conversations.history", "server_error")
    desk.enqueue(outbox.post, CHANNEL, "一度だけ")

    desk.dispatcher.drain()
    desk.later(60)
    desk.dispatcher.drain()
    assert desk.status() == [("chat.postMessage", "pending", 2)]
    assert desk.row().unsure_since is not None  # still in doubt
    assert len(desk.slack.calls("chat.postMessage")) == 1

    desk.later(60)
    desk.dispatcher.drain()
    assert desk.texts() == ["一度だけ"] and desk.row().status == "sent"
    assert len(desk.slack.calls("chat.postMessage")) == 1


def test_a_worker_killed_mid_delivery_is_taken_over_without_a_second_receipt(desk, clean_engine):
    doomed = make_dispatcher(clean_engine, desk.slack, desk.clock)

    def killed(*args, **kwargs):
        raise Killed

    doomed._finish = killed  # the post reaches Slack, then the process dies before recording it
    desk.enqueue(outbox.post, EMPLOYEE, "受付しました FIN-0002", ref="ticket:2:receipt")
    with pytest.raises(Killed):
        doomed.run_once()
    dm = desk.slack.dm_channel(EMPLOYEE)
    assert len(desk.slack.messages(dm)) == 1
    assert desk.status() == [("chat.postMessage", "sending", 1)]

    desk.dispatcher.drain()
    assert len(desk.slack.calls("chat.postMessage")) == 1  # its lease still holds

    desk.later(61)
    desk.dispatcher.drain()

    (receipt,) = desk.slack.messages(dm)
    assert desk.row().status == "sent" and desk.ref("ticket:2:receipt") == (dm, receipt["ts"])
    assert len(desk.slack.calls("chat.postMessage")) == 1
    assert [c.params["users"] for c in desk.slack.calls("conversations.open")] == [EMPLOYEE]


def test_a_worker_killed_before_it_sent_is_looked_for_and_then_posted(desk):
    desk.enqueue(outbox.post, EMPLOYEE, "受付しました FIN-0003")
    desk.dispatcher._claim()  # claimed, then killed before the request left

    desk.later(61)
    desk.dispatcher.drain()

    assert [m["text"] for m in desk.slack.messages(desk.slack.dm_channel(EMPLOYEE))] == ["受付しました FIN-0003"]
    assert len(desk.slack.calls("conversations.history")) == 1


def test_a_thread_reply_whose_answer_was_lost_is_found_in_its_thread(desk):
    desk.enqueue(outbox.post, CHANNEL, "parent", ref="ticket:4:card")
    desk.dispatcher.drain()
    desk.slack.fail("chat.postMessage", "drop_after")
    desk.enqueue(outbox.post, CHANNEL, "reply", target_ref="ticket:4:card")

    desk.later(1)
    desk.dispatcher.drain()
    desk.later(60)
    desk.dispatcher.drain()

    parent, reply = desk.slack.messages(CHANNEL)
    assert reply["thread_ts"] == parent["ts"] and desk.row(1).status == "sent"
    assert desk.row(1).result["ts"] == reply["ts"]
    (lookup,) = desk.slack.calls("conversations.replies")
    assert lookup.params["ts"] == parent["ts"]


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "server_error", "status": 500},
        {"kind": "rate_limited", "retry_after": 3},
        {"kind": "ok_false", "error": "ratelimited"},
    ],
    ids=["500", "429", "ok-false-ratelimited"],
)
def test_a_clear_failure_is_retried_without_looking_and_posts_once(desk, fault):
    desk.slack.fail("chat.postMessage", **fault)
    desk.enqueue(outbox.post, CHANNEL, "はっきり失敗")

    desk.dispatcher.drain()
    assert desk.row().unsure_since is None
    desk.later(60)
    desk.dispatcher.drain()

    assert desk.texts() == ["はっきり失敗"]
    assert desk.status() == [("chat.postMessage", "sent", 2)]
    assert desk.slack.calls("conversations.history") == []


def test_a_digest_chart_whose_upload_answer_was_lost_is_not_shared_twice(desk):
    desk.slack.fail("files.completeUploadExternal", "drop_after")
    desk.enqueue(outbox.enqueue, outbox.FILES_UPLOAD, {
        "channel": CHANNEL, "filename": "digest-2026-W48.png", "title": "週次",
        "initial_comment": "今週", "content_b64": "iVBORw0KGgo="})

    desk.dispatcher.drain()
    desk.later(60)
    desk.dispatcher.drain()

    (shared,) = desk.slack.messages(CHANNEL)
    assert shared["files"][0]["name"] == "digest-2026-W48.png"
    assert desk.row().status == "sent" and desk.row().result["ts"] == shared["ts"]
    assert len(desk.slack.calls("files.completeUploadExternal")) == 1


def test_a_claim_whose_lease_ran_out_before_its_turn_is_left_to_the_dispatcher_holding_it_now(
        desk, clean_engine):
    slow = make_dispatcher(clean_engine, desk.slack, desk.clock)
    desk.enqueue(outbox.post, CHANNEL, "一通だけ")
    (claimed,) = slow._claim()  # then a long batch ahead of it keeps it waiting past its lease

    desk.later(61)
    assert desk.dispatcher._claim() == [claimed]  # another replica takes it over
    slow._deliver(claimed)  # its turn finally comes in the slow dispatcher's batch
    assert desk.slack.calls() == []  # both looking and both posting could have made two

    desk.dispatcher._deliver(claimed)
    assert desk.texts() == ["一通だけ"]
    assert desk.status() == [("chat.postMessage", "sent", 2)]
