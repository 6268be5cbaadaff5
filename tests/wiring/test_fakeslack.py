"""The fake Slack, driven by the real slack_sdk WebClient and by a real Bolt App over loopback HTTP.

Each test reads as the exchange it checks: the bot says something to "Slack", Slack answers the way the
real one does (shapes, errors, rate limits, dropped connections), and the fake remembers what happened.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.fakeslack import (
    BOT_TOKEN,
    BOT_USER_ID,
    Call,
    CallNotSeen,
    FakeSlackServer,
    FakeUser,
    SlackRequester,
    events,
    payloads,
    state_value,
)

TANAKA = FakeUser("U0TANAKA", "tanaka", "田中 花子", email="tanaka@example.co.jp", locale="ja-JP")
SMITH = FakeUser("U0SMITH", "smith", "Alex Smith", email="alex@example.com", tz="America/New_York", locale="en-US")
HELPDESK = "C0HELPDESK"
MODAL = {
    "type": "modal",
    "callback_id": "expense",
    "title": {"type": "plain_text", "text": "経費精算"},
    "blocks": [],
}
TABLE = {"type": "table", "column_settings": [{"align": "left"}, {"align": "right"}],
         "rows": [[{"type": "raw_text", "text": "部門"}, {"type": "raw_text", "text": "新規"}],
                  [{"type": "raw_text", "text": "経理"}, {"type": "raw_text", "text": "4 (+2)"}]]}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "承認待ち: 0"}}]}


@pytest.fixture
def fake(fake_slack: FakeSlackServer) -> FakeSlackServer:
    fake_slack.add_user(TANAKA)
    fake_slack.add_user(SMITH)
    return fake_slack


@pytest.fixture
def client(fake: FakeSlackServer) -> WebClient:
    # No retry handlers: each test sees exactly what the fake answered. Retries are tested explicitly.
    return WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3, retry_handlers=[])


def api_error(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- the conversation basics --------------------------------------------------------------------------
def test_auth_test_introduces_the_bot(client: WebClient) -> None:
    answer = client.auth_test()

    assert answer["user_id"] == BOT_USER_ID
    assert answer["team_id"].startswith("T")
    assert answer["bot_id"].startswith("B")


def test_posted_messages_get_increasing_timestamps_and_stay_in_the_channel(
    fake: FakeSlackServer, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*FIN-0042* 承認待ち"}}]
    first = client.chat_postMessage(channel=HELPDESK, text="FIN-0042 承認待ち", blocks=blocks)
    second = client.chat_postMessage(channel=HELPDESK, text="FIN-0043")

    assert first["channel"] == HELPDESK
    assert first["message"]["blocks"] == blocks
    assert float(first["ts"]) < float(second["ts"])
    assert [m["text"] for m in fake.messages(HELPDESK)] == ["FIN-0042 承認待ち", "FIN-0043"]
    assert fake.messages(HELPDESK)[0]["bot_id"] == first["message"]["bot_id"]


def test_timestamps_are_deterministic_with_a_fixed_clock() -> None:
    with FakeSlackServer(clock=Clock()) as fake:
        client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3)
        stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3)]

    assert stamps == ["1700000000.000100", "1700000000.000200", "1700000000.000300"]


def test_a_message_to_a_user_id_lands_in_the_bots_dm_with_them(fake: FakeSlackServer, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=TANAKA.id, text="申請を受け付けました")
    opened = client.conversations_open(users=TANAKA.id)
    reopened = client.conversations_open(users=TANAKA.id)

    assert posted["channel"] == opened["channel"]["id"] == reopened["channel"]["id"] == fake.dm_channel(TANAKA.id)
    assert posted["channel"].startswith("D")
    assert reopened["already_open"] is True
    assert client.conversations_info(channel=posted["channel"])["channel"]["is_im"] is True


def test_a_thread_reads_back_with_the_humans_replies(fake: FakeSlackServer, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=HELPDESK, text="FIN-0042 を担当します")
    fake.user_says(HELPDESK, TANAKA.id, "領収書を添付しました", thread_ts=parent["ts"])
    client.chat_postMessage(channel=HELPDESK, text="確認しました", thread_ts=parent["ts"])

    thread = client.conversations_replies(channel=HELPDESK, ts=parent["ts"])["messages"]

    assert [(m.get("user"), m["text"]) for m in thread] == [
        (BOT_USER_ID, "FIN-0042 を担当します"),
        (TANAKA.id, "領収書を添付しました"),
        (BOT_USER_ID, "確認しました"),
    ]
    assert fake.message(HELPDESK, parent["ts"])["reply_count"] == 2


def test_history_pages_newest_first_within_bounds_and_shows_metadata_only_when_asked() -> None:
    clock = Clock()
    with FakeSlackServer(clock=clock) as fake:
        client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3, retry_handlers=[])
        stamp = {"event_type": "madoguchi_outbox", "event_payload": {"outbox_id": 7}}
        posted = [client.chat_postMessage(channel=HELPDESK, text=f"#{i}", metadata=stamp if i == 1 else None)["ts"]
                  for i in range(5)]
        client.chat_postMessage(channel=HELPDESK, text="in a thread", thread_ts=posted[0])

        plain = client.conversations_history(channel=HELPDESK)
        first = client.conversations_history(channel=HELPDESK, oldest=posted[0], include_all_metadata=True, limit=2)
        second = client.conversations_history(channel=HELPDESK, oldest=posted[0], include_all_metadata=True,
                                              limit=2, cursor=first["response_metadata"]["next_cursor"])
        bounded = client.conversations_history(channel=HELPDESK, oldest=posted[1], latest=posted[3],
                                               inclusive=True)

    assert [m["text"] for m in plain["messages"]] == ["#4", "#3", "#2", "#1", "#0"]  # no thread replies
    assert not any("metadata" in m for m in plain["messages"]) and plain["has_more"] is False
    assert [m["text"] for m in first["messages"]] == ["#4", "#3"] and first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["#2", "#1"] and second["has_more"] is False
    assert second["response_metadata"]["next_cursor"] == ""
    assert second["messages"][1]["metadata"] == stamp
    assert [m["text"] for m in bounded["messages"]] == ["#3", "#2", "#1"]


def test_history_wants_a_conversation_id_not_a_user_id(fake: FakeSlackServer, client: WebClient) -> None:
    client.chat_postMessage(channel=TANAKA.id, text="受付しました")

    assert api_error(lambda: client.conversations_history(channel=TANAKA.id)).response["error"] == (
        "channel_not_found")
    dm = client.conversations_open(users=TANAKA.id)["channel"]["id"]
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == ["受付しました"]


def test_replies_page_a_thread_with_metadata_when_asked(fake: FakeSlackServer, client: WebClient) -> None:
    stamp = {"event_type": "madoguchi_outbox", "event_payload": {"outbox_id": 9}}
    parent = client.chat_postMessage(channel=HELPDESK, text="parent")["ts"]
    client.chat_postMessage(channel=HELPDESK, text="reply", thread_ts=parent, metadata=stamp)

    plain = client.conversations_replies(channel=HELPDESK, ts=parent)["messages"]
    full = client.conversations_replies(channel=HELPDESK, ts=parent, include_all_metadata=True)["messages"]

    assert [m["text"] for m in plain] == ["parent", "reply"] and "metadata" not in plain[1]
    assert full[1]["metadata"] == stamp


def test_update_rewrites_in_place_and_delete_removes(fake: FakeSlackServer, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=HELPDESK, text="承認待ち")

    updated = client.chat_update(channel=HELPDESK, ts=posted["ts"], text="承認済み (佐藤)")
    assert (updated["ts"], updated["text"]) == (posted["ts"], "承認済み (佐藤)")
    assert fake.message(HELPDESK, posted["ts"])["text"] == "承認済み (佐藤)"

    client.chat_delete(channel=HELPDESK, ts=posted["ts"])
    assert fake.messages(HELPDESK) == []
    assert (
        api_error(lambda: client.chat_update(channel=HELPDESK, ts=posted["ts"], text="x")).response["error"]
        == "message_not_found"
    )


def test_ephemeral_messages_are_kept_per_user(fake: FakeSlackServer, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel=HELPDESK, user=TANAKA.id, text="この申請はあなたのものではありません")

    assert answer["message_ts"]
    assert [e["text"] for e in fake.ephemerals(TANAKA.id)] == ["この申請はあなたのものではありません"]
    assert fake.ephemerals(SMITH.id) == []
    assert fake.messages(HELPDESK) == [], "nobody else sees an ephemeral message"


def test_permalink_and_reactions(fake: FakeSlackServer, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=HELPDESK, text="FIN-0042")

    link = client.chat_getPermalink(channel=HELPDESK, message_ts=posted["ts"])["permalink"]
    client.reactions_add(channel=HELPDESK, timestamp=posted["ts"], name="ticket")

    assert link.endswith(f"/archives/{HELPDESK}/p{posted['ts'].replace('.', '')}")
    assert fake.message(HELPDESK, posted["ts"])["reactions"] == [{"name": "ticket", "users": [BOT_USER_ID], "count": 1}]
    error = api_error(lambda: client.reactions_add(channel=HELPDESK, timestamp=posted["ts"], name="ticket"))
    assert error.response["error"] == "already_reacted"


def test_a_message_with_one_table_is_posted_as_sent(client: WebClient) -> None:
    posted = client.chat_postMessage(channel=HELPDESK, text="部門別の件数", blocks=[TABLE])

    assert posted["message"]["blocks"] == [TABLE]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.chat_postMessage(channel=HELPDESK), "no_text"),
        (
            lambda c: c.chat_postMessage(channel=HELPDESK, text="x", blocks=[{"type": "divider"}] * 51),
            "invalid_blocks",
        ),
        (lambda c: c.chat_postMessage(channel=HELPDESK, text="x", blocks=[TABLE, TABLE]), "invalid_blocks"),
        (lambda c: c.chat_postMessage(channel=HELPDESK, text="x", blocks=[{**TABLE, "rows": TABLE["rows"] * 51}]),
         "invalid_blocks"),
        (lambda c: c.chat_postMessage(channel=HELPDESK, text="x",
                                      blocks=[{**TABLE, "rows": [[{"type": "mrkdwn", "text": "*x*"}]]}]),
         "invalid_blocks"),
        (lambda c: c.views_publish(user_id=TANAKA.id, view={"type": "home", "blocks": [TABLE]}),
         "invalid_arguments"),
        (lambda c: c.conversations_info(channel="C0NOWHERE"), "channel_not_found"),
        (lambda c: c.conversations_replies(channel=HELPDESK, ts="1.2"), "thread_not_found"),
        (lambda c: c.users_lookupByEmail(email="nobody@example.com"), "users_not_found"),
        (lambda c: c.api_call("chat.teleport"), "unknown_method"),
        (lambda c: c.files_upload(content="x", channels=HELPDESK), "method_deprecated"),
    ],
    ids=[
        "no text",
        "51 blocks",
        "two tables in a message",
        "a table of 102 rows",
        "a mrkdwn table cell",
        "a table in App Home",
        "unknown channel",
        "unknown thread",
        "unknown email",
        "unknown method",
        "files.upload v1",
    ],
)
def test_slack_errors_come_back_as_ok_false(client: WebClient, call: Callable[[WebClient], Any], error: str) -> None:
    raised = api_error(lambda: call(client))

    assert raised.response.status_code == 200
    assert raised.response["ok"] is False
    assert raised.response["error"] == error


@pytest.mark.parametrize(("token", "error"), [("xoxb-someone-else", "invalid_auth"), (None, "not_authed")])
def test_a_wrong_or_missing_token_is_refused(fake: FakeSlackServer, token: str | None, error: str) -> None:
    stranger = WebClient(base_url=fake.url, token=token, timeout=3)

    assert api_error(lambda: stranger.chat_postMessage(channel=HELPDESK, text="x")).response["error"] == error
    assert fake.messages(HELPDESK) == []


# -- people ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("user", "locale", "tz"), [(TANAKA, "ja-JP", "Asia/Tokyo"), (SMITH, "en-US", "America/New_York")]
)
def test_users_info_tells_the_locale_when_asked(client: WebClient, user: FakeUser, locale: str, tz: str) -> None:
    with_locale = client.users_info(user=user.id, include_locale=True)["user"]
    without = client.users_info(user=user.id)["user"]

    assert (with_locale["id"], with_locale["locale"], with_locale["tz"]) == (user.id, locale, tz)
    assert with_locale["profile"]["email"] == user.email
    assert with_locale["real_name"] == user.real_name
    assert "locale" not in without, "Slack only includes locale with include_locale=true"


def test_unknown_users_and_email_lookup(client: WebClient) -> None:
    assert api_error(lambda: client.users_info(user="U0NOBODY")).response["error"] == "user_not_found"
    assert client.users_lookupByEmail(email="ALEX@example.com")["user"]["id"] == SMITH.id


# -- views -----------------------------------------------------------------------------------------
def test_a_modal_opens_for_the_user_who_triggered_it_and_stacks(fake: FakeSlackServer, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL)["view"]
    pushed = client.views_push(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL | {"callback_id": "detail"})["view"]

    assert opened["id"].startswith("V") and opened["hash"]
    assert opened["callback_id"] == "expense" and opened["state"] == {"values": {}}
    assert (pushed["root_view_id"], pushed["previous_view_id"]) == (opened["id"], opened["id"])
    assert [v["callback_id"] for v in fake.modal_stack(TANAKA.id)] == ["expense", "detail"]


def test_views_update_with_a_stale_hash_is_a_hash_conflict(fake: FakeSlackServer, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL)["view"]
    loaded = MODAL | {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "読み込み完了"}}]}

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=loaded)["view"]
    stale = api_error(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL))

    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert stale.response["error"] == "hash_conflict"
    assert fake.view(opened["id"])["blocks"] == loaded["blocks"]


def test_trigger_ids_work_once_and_only_for_three_seconds() -> None:
    clock = Clock()
    with FakeSlackServer(clock=clock) as fake:
        client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3)
        trigger = fake.issue_trigger(TANAKA.id)
        client.views_open(trigger_id=trigger, view=MODAL)
        reused = api_error(lambda: client.views_open(trigger_id=trigger, view=MODAL))

        late = fake.issue_trigger(TANAKA.id)
        clock.now += 3.5
        expired = api_error(lambda: client.views_open(trigger_id=late, view=MODAL))

    assert reused.response["error"] == "exchanged_trigger_id"
    assert expired.response["error"] == "expired_trigger_id"


def test_the_view_stack_holds_three_modals_at_most(fake: FakeSlackServer, client: WebClient) -> None:
    client.views_open(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL)
    for _ in range(2):
        client.views_push(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL)

    error = api_error(lambda: client.views_push(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL))

    assert error.response["error"] == "push_limit_reached"


def test_a_modal_over_slacks_limits_is_invalid_arguments(fake: FakeSlackServer, client: WebClient) -> None:
    too_long = MODAL | {
        "title": {"type": "plain_text", "text": "経費精算申請フォーム（海外出張・立替・交通費・その他）"}
    }

    error = api_error(lambda: client.views_open(trigger_id=fake.issue_trigger(TANAKA.id), view=too_long))

    assert error.response["error"] == "invalid_arguments"
    assert "/view/title/text" in error.response["response_metadata"]["messages"][0]


def test_home_tab_is_published_per_user_with_a_stable_id(fake: FakeSlackServer, client: WebClient) -> None:
    first = client.views_publish(user_id=TANAKA.id, view=HOME)["view"]
    second = client.views_publish(user_id=TANAKA.id, view=HOME, hash=first["hash"])["view"]
    conflict = api_error(lambda: client.views_publish(user_id=TANAKA.id, view=HOME, hash=first["hash"]))

    assert first["id"] == second["id"] and first["type"] == "home"
    assert conflict.response["error"] == "hash_conflict"
    assert fake.home_view(TANAKA.id)["hash"] == second["hash"]
    assert fake.home_view(SMITH.id) is None


# -- files -----------------------------------------------------------------------------------------
def test_files_upload_v2_runs_the_three_step_flow_against_the_fake(fake: FakeSlackServer, client: WebClient) -> None:
    csv = "週,件数\n2025-W14,42\n".encode()

    answer = client.files_upload_v2(
        channel=HELPDESK,
        content=csv,
        filename="digest.csv",
        title="週次ダイジェスト",
        initial_comment="今週の集計",
    )

    assert [c.method for c in fake.calls()] == [
        "files.getUploadURLExternal",
        "upload_url",
        "files.completeUploadExternal",
    ]
    assert answer["file"]["title"] == "週次ダイジェスト"
    assert fake.calls("files.completeUploadExternal")[0].params["files"] == [
        {"id": answer["file"]["id"], "title": "週次ダイジェスト"}
    ]
    assert [f.content for f in fake.files()] == [csv]
    shared = fake.messages(HELPDESK)[-1]
    assert (shared["subtype"], shared["text"], shared["files"][0]["id"]) == (
        "file_share",
        "今週の集計",
        answer["file"]["id"],
    )


# -- recording ---------------------------------------------------------------------------------------
def test_every_call_is_recorded_decoded_whatever_the_wire_format(fake: FakeSlackServer, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.chat_postMessage(channel=HELPDESK, text="json body", blocks=blocks)
    client.users_info(user=TANAKA.id, include_locale=True)
    client.api_call(
        "chat.postMessage",
        params={"channel": HELPDESK, "text": "form body", "blocks": '[{"type":"divider"}]'},
    )

    as_json, as_form, form_blocks = fake.calls()
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.params == {"channel": HELPDESK, "text": "json body", "blocks": blocks}
    assert as_form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert as_form.params == {"user": TANAKA.id, "include_locale": "1"}
    assert form_blocks.params["blocks"] == blocks, "JSON-encoded form fields are decoded to objects"
    assert as_json.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert fake.last("chat.postMessage") is form_blocks
    assert fake.last("views.open") is None


def test_wait_for_blocks_until_the_bot_has_spoken(fake: FakeSlackServer, client: WebClient) -> None:
    later = threading.Timer(0.2, lambda: client.chat_postMessage(channel=TANAKA.id, text="承認されました"))
    later.start()
    try:
        (call,) = fake.wait_for("chat.postMessage", timeout=3, predicate=lambda c: c.params["channel"] == TANAKA.id)
    finally:
        later.join()

    assert call.params["text"] == "承認されました"
    assert call.ok


def test_wait_for_explains_what_arrived_instead(fake: FakeSlackServer, client: WebClient) -> None:
    client.chat_postMessage(channel=HELPDESK, text="違うチャンネル")

    started = time.monotonic()
    with pytest.raises(CallNotSeen) as raised:
        fake.wait_for("chat.postMessage", count=2, timeout=0.3)

    assert time.monotonic() - started < 2
    assert "2 × chat.postMessage" in str(raised.value)
    assert "違うチャンネル" in str(raised.value)


def test_clear_forgets_calls_but_not_the_workspace(fake: FakeSlackServer, client: WebClient) -> None:
    client.chat_postMessage(channel=HELPDESK, text="残る")
    fake.clear()

    assert fake.calls() == []
    assert [m["text"] for m in fake.messages(HELPDESK)] == ["残る"]


def test_listeners_hear_each_call_until_they_unsubscribe(fake: FakeSlackServer, client: WebClient) -> None:
    heard: list[Call] = []
    unsubscribe = fake.on_call(heard.append)
    client.chat_postMessage(channel=HELPDESK, text="one")
    unsubscribe()
    client.chat_postMessage(channel=HELPDESK, text="two")

    assert [c.params["text"] for c in heard] == ["one"]


# -- faults ----------------------------------------------------------------------------------------
def test_rate_limited_is_a_429_with_retry_after(fake: FakeSlackServer, client: WebClient) -> None:
    fake.fail("chat.postMessage", "rate_limited", retry_after=7)

    limited = api_error(lambda: client.chat_postMessage(channel=HELPDESK, text="x"))
    client.chat_postMessage(channel=HELPDESK, text="next one goes through")

    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "7"
    assert limited.response["error"] == "ratelimited"
    assert [c.fault for c in fake.calls("chat.postMessage")] == ["rate_limited", None]
    assert [m["text"] for m in fake.messages(HELPDESK)] == ["next one goes through"]


def test_slack_sdks_rate_limit_handler_waits_and_retries(fake: FakeSlackServer) -> None:
    client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3, retry_handlers=[RateLimitErrorRetryHandler()])
    fake.fail("chat.postMessage", "rate_limited", retry_after=0)

    client.chat_postMessage(channel=HELPDESK, text="after the wait")

    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors(fake: FakeSlackServer, client: WebClient, status: int) -> None:
    fake.fail("chat.update", "server_error", status=status)

    error = api_error(lambda: client.chat_update(channel=HELPDESK, ts="1.1", text="x"))

    assert error.response.status_code == status
    assert error.response["ok"] is False


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_ok_false_with_the_chosen_error(fake: FakeSlackServer, client: WebClient, error: str) -> None:
    fake.fail("chat.postMessage", "ok_false", error=error)

    raised = api_error(lambda: client.chat_postMessage(channel=HELPDESK, text="x"))

    assert (raised.response.status_code, raised.response["error"]) == (200, error)
    assert fake.messages(HELPDESK) == []


def test_a_dropped_connection_is_a_connection_error_and_nothing_is_posted(
    fake: FakeSlackServer, client: WebClient
) -> None:
    fake.fail("chat.postMessage", "drop")

    started = time.monotonic()
    with pytest.raises(OSError):  # urllib's RemoteDisconnected / URLError are OSErrors
        client.chat_postMessage(channel=HELPDESK, text="lost")

    assert time.monotonic() - started < 2
    assert fake.messages(HELPDESK) == []
    assert fake.last("chat.postMessage").fault == "drop"
    assert fake.last("chat.postMessage").status is None


def test_slack_sdks_default_client_retries_a_dropped_connection_once(fake: FakeSlackServer) -> None:
    default_client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3)
    fake.fail("chat.postMessage", "drop")

    default_client.chat_postMessage(channel=HELPDESK, text="second try")

    assert [c.fault for c in fake.calls("chat.postMessage")] == ["drop", None]
    assert [m["text"] for m in fake.messages(HELPDESK)] == ["second try"]


def test_drop_after_processing_makes_a_blind_retry_post_twice(fake: FakeSlackServer) -> None:
    default_client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3)
    fake.fail("chat.postMessage", "drop_after")

    default_client.chat_postMessage(channel=HELPDESK, text="once?")

    assert [m["text"] for m in fake.messages(HELPDESK)] == ["once?", "once?"], "a blind retry duplicates"


def test_drop_after_posts_once_and_the_post_can_be_found_by_its_metadata(fake: FakeSlackServer) -> None:
    impatient = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3, retry_handlers=[])
    fake.fail("chat.postMessage", "drop_after")
    stamp = {"event_type": "madoguchi_outbox", "event_payload": {"outbox_id": 1}}

    with pytest.raises(OSError):
        impatient.chat_postMessage(channel=HELPDESK, text="once", metadata=stamp)

    (found,) = impatient.conversations_history(channel=HELPDESK, include_all_metadata=True)["messages"]
    assert found["metadata"] == stamp and fake.last("chat.postMessage").status is None


def test_slow_answers_time_the_client_out(fake: FakeSlackServer) -> None:
    impatient = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=0.1, retry_handlers=[])
    fake.fail("chat.postMessage", "slow", seconds=0.5)

    started = time.monotonic()
    with pytest.raises(OSError):  # socket timeout
        impatient.chat_postMessage(channel=HELPDESK, text="slow")

    assert time.monotonic() - started < 0.45
    (call,) = fake.wait_for("chat.postMessage", timeout=2)
    assert call.fault == "slow" and call.ok, "the fake still answers after the delay"


def test_faults_for_any_method_are_consumed_in_order(fake: FakeSlackServer, client: WebClient) -> None:
    fake.fail("*", "ok_false", times=2, error="team_access_not_granted")

    first = api_error(client.auth_test)
    second = api_error(lambda: client.users_info(user=TANAKA.id))
    third = client.auth_test()

    assert [first.response["error"], second.response["error"], third["ok"]] == [
        "team_access_not_granted",
        "team_access_not_granted",
        True,
    ]
    assert fake.pending_faults() == []


def test_unknown_fault_kinds_are_refused(fake: FakeSlackServer) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake.fail("chat.postMessage", "explode")  # type: ignore[arg-type]


def test_the_upload_url_can_fail_too(fake: FakeSlackServer, client: WebClient) -> None:
    fake.fail("upload_url", "server_error", status=503)

    with pytest.raises(HTTPError) as raised:  # slack_sdk posts the bytes with plain urllib
        client.files_upload_v2(channel=HELPDESK, content=b"x", filename="x.txt")

    assert raised.value.code == 503
    assert fake.calls("files.completeUploadExternal") == []


# -- response_url ------------------------------------------------------------------------------------
def test_response_urls_deliver_like_slack(fake: FakeSlackServer, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=HELPDESK, text="承認しますか？")
    url = fake.response_url(HELPDESK, user_id=TANAKA.id, message_ts=posted["ts"])

    WebhookClient(url, timeout=3).send(text="あなただけに見えます")
    WebhookClient(url, timeout=3).send(text="承認しました", replace_original=True)
    WebhookClient(url, timeout=3).send(text="みんなに", response_type="in_channel")

    assert [e["text"] for e in fake.ephemerals(TANAKA.id)] == ["あなただけに見えます"]
    assert [m["text"] for m in fake.messages(HELPDESK)] == ["承認しました", "みんなに"]
    assert [c.params.get("replace_original") for c in fake.calls("response_url")] == [None, True, None]


# -- the signing client against a real Bolt App ---------------------------------------------------------
SECRET = "wiring-signing-secret"


class BoltOverHttp:
    """The real Bolt App served on 127.0.0.1 the way any WSGI adapter would: raw body + headers in."""

    def __init__(self, app: App) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                headers = {k: [v] for k, v in self.headers.items()}
                response = outer.app.dispatch(BoltRequest(body=body, headers=headers))
                payload = response.body.encode("utf-8")
                self.send_response(response.status)
                for name, values in response.headers.items():
                    for value in values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.app = app
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def bolt(fake: FakeSlackServer) -> Iterator[tuple[App, SlackRequester]]:
    client = WebClient(base_url=fake.url, token=BOT_TOKEN, timeout=3)
    app = App(client=client, signing_secret=SECRET)  # runs auth.test against the fake
    served = BoltOverHttp(app)
    try:
        yield app, SlackRequester(served.url, SECRET, triggers=fake.issue_trigger, timeout=5)
    finally:
        served.close()


def test_bolt_accepts_a_signed_command_and_its_modal_opens_in_the_fake(
    fake: FakeSlackServer, bolt: tuple[App, SlackRequester]
) -> None:
    app, slack = bolt

    @app.command("/helpdesk")
    def open_form(ack: Callable[..., None], body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    reply = slack.command(user_id=TANAKA.id, text="経費")

    assert reply.status == 200
    assert fake.calls("auth.test"), "Bolt verified its token against the fake"
    fake.wait_for("views.open", timeout=3)  # Bolt runs the listener on after the ack
    assert [v["callback_id"] for v in fake.modal_stack(TANAKA.id)] == ["expense"]


def test_bolt_reads_the_submitted_values_of_the_modal_the_fake_recorded(
    fake: FakeSlackServer, bolt: tuple[App, SlackRequester]
) -> None:
    app, slack = bolt
    received: list[dict[str, Any]] = []

    @app.view("expense")
    def submit(ack: Callable[..., None], view: dict[str, Any], body: dict[str, Any]) -> None:
        received.append({"user": body["user"]["id"], "values": view["state"]["values"]})
        ack()

    WebClient(base_url=fake.url, token=BOT_TOKEN).views_open(trigger_id=fake.issue_trigger(TANAKA.id), view=MODAL)
    (modal,) = fake.modal_stack(TANAKA.id)

    reply = slack.view_submission(
        user_id=TANAKA.id, view=modal, values={"amount": {"input": state_value("number_input", "12000")}}
    )

    assert reply.status == 200
    assert received == [
        {"user": TANAKA.id, "values": {"amount": {"input": {"type": "number_input", "value": "12000"}}}}
    ]


def test_bolt_answers_a_dm_through_the_fake(fake: FakeSlackServer, bolt: tuple[App, SlackRequester]) -> None:
    app, slack = bolt

    @app.event("message")
    def answer(event: dict[str, Any], say: Callable[..., Any]) -> None:
        say(text="締め日は毎月25日です", thread_ts=event["ts"])

    question = fake.user_says(fake.dm_channel(TANAKA.id), TANAKA.id, "経費の締め日は？")
    assert slack.event(question).status == 200

    (call,) = fake.wait_for("chat.postMessage", timeout=3)
    assert (call.params["channel"], call.params["thread_ts"]) == (question["channel"], question["ts"])
    thread = [m["text"] for m in fake.messages(question["channel"])]
    assert thread == ["経費の締め日は？", "締め日は毎月25日です"]


def test_bolt_echoes_the_url_verification_challenge(bolt: tuple[App, SlackRequester]) -> None:
    _, slack = bolt

    reply = slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert (reply.status, reply.body) == (
        200,
        {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
    )


@pytest.mark.parametrize(
    "forgery",
    [{"signing_secret": "guessed"}, {"signature": "v0=" + "f" * 64}, {"age": 301}],
    ids=["wrong secret", "tampered signature", "stale timestamp"],
)
def test_bolt_refuses_forged_or_stale_requests(
    fake: FakeSlackServer, bolt: tuple[App, SlackRequester], forgery: dict[str, Any]
) -> None:
    app, slack = bolt
    handled: list[str] = []

    @app.command("/helpdesk")
    def never(ack: Callable[..., None]) -> None:
        handled.append("reached the listener")
        ack()

    reply = slack.send(payloads.command(user_id=TANAKA.id, text="経費"), **forgery)

    assert reply.status == 401
    assert handled == []


def test_a_retried_event_carries_the_same_event_id_and_retry_headers(
    fake: FakeSlackServer, bolt: tuple[App, SlackRequester]
) -> None:
    app, slack = bolt
    seen: queue.Queue[tuple[str, Any]] = queue.Queue()  # events are handled after the ack

    @app.event("app_mention")
    def mention(body: dict[str, Any], request: BoltRequest) -> None:
        seen.put((body["event_id"], request.headers.get("x-slack-retry-num")))

    mention_event = events.app_mention(user=TANAKA.id, channel=HELPDESK, text="パスワードを忘れました")
    slack.event(mention_event, event_id="Ev0RETRY01")
    first = seen.get(timeout=3)
    slack.event(mention_event, event_id="Ev0RETRY01", retry_num=1)
    retry = seen.get(timeout=3)

    assert [first, retry] == [("Ev0RETRY01", None), ("Ev0RETRY01", ["1"])]


# -- a file a person attached ----------------------------------------------------------------------
RECEIPT_PDF = b"%PDF-1.7\n" + "領収書 タクシー ¥3,200".encode()


def fetch(url: str, token: str | None) -> tuple[int, str, bytes]:
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_a_file_attached_in_a_modal_is_described_by_files_info(fake, client):
    attached = fake.user_uploads(TANAKA.id, "receipt.pdf", RECEIPT_PDF)

    info = client.files_info(file=attached["id"])["file"]

    assert info["id"] == attached["id"] and info["user"] == TANAKA.id and info["name"] == "receipt.pdf"
    assert (info["size"], info["mimetype"], info["filetype"]) == (len(RECEIPT_PDF), "application/pdf", "pdf")
    assert info["url_private"].startswith(fake.base_url) and info["channels"] == []
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_info(file="F0NOSUCHFILE")


def test_url_private_needs_the_bot_token_and_answers_a_login_page_without_it(fake):
    url = fake.user_uploads(TANAKA.id, "receipt.pdf", RECEIPT_PDF)["url_private"]

    assert fetch(url, BOT_TOKEN) == (200, "application/pdf", RECEIPT_PDF)
    status, kind, body = fetch(url, None)
    assert (status, kind.split(";")[0]) == (200, "text/html") and b"Sign in" in body  # as Slack: 200, HTML
    assert fetch(url, "xoxb-someone-else")[1].startswith("text/html")
    assert [c.response["ok"] for c in fake.calls("url_private")] == [True, True, True]


def test_a_broken_file_fails_to_download(fake):
    url = fake.user_uploads(TANAKA.id, "photo.heic", b"\x00" * 64, mimetype="image/heic", broken=True)["url_private"]

    assert fetch(url, BOT_TOKEN)[0] == 500
