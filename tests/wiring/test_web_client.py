"""The Web API client keeps its connection open between calls, and still fails like slack_sdk's own."""

from __future__ import annotations

import logging
import threading
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError

from bot.fakeslack import BOT_TOKEN, FakeSlackServer
from bot.logs import floor_libraries
from bot.web_client import KeepAliveWebClient


@pytest.fixture
def slack():
    with FakeSlackServer(bot_token=BOT_TOKEN) as server:
        yield server


def client_for(slack: FakeSlackServer, **kw) -> KeepAliveWebClient:
    return KeepAliveWebClient(token=BOT_TOKEN, base_url=slack.url, timeout=5, **kw)


def test_calls_in_a_row_share_one_connection(slack):
    client = client_for(slack)
    for n in range(5):
        client.chat_postMessage(channel="C0GENERAL", text=f"お知らせ {n}")

    assert len(slack.calls("chat.postMessage")) == 5
    assert slack.connections == 1


def test_each_thread_has_its_own_connection(slack):
    client = client_for(slack)

    def post() -> None:
        for _ in range(3):
            client.chat_postMessage(channel="C0GENERAL", text="hi")

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(slack.calls("chat.postMessage")) == 9
    assert slack.connections == 3


def test_an_idle_connection_is_not_reused_after_max_idle(slack):
    client = client_for(slack, max_idle=0.0)
    client.chat_postMessage(channel="C0GENERAL", text="one")
    client.chat_postMessage(channel="C0GENERAL", text="two")

    assert slack.connections == 2


def test_a_dropped_connection_is_retried_once_by_slack_sdk_on_a_new_connection(slack):
    client = client_for(slack)
    client.chat_postMessage(channel="C0GENERAL", text="before")
    slack.fail("chat.postMessage", "drop")

    client.chat_postMessage(channel="C0GENERAL", text="dropped once")
    client.chat_postMessage(channel="C0GENERAL", text="after")

    posted = [(c.params["text"], c.status) for c in slack.calls("chat.postMessage")]
    assert posted == [("before", 200), ("dropped once", None), ("dropped once", 200), ("after", 200)]
    assert slack.connections == 2


def test_a_connection_dropped_twice_raises_the_connection_error(slack):
    client = client_for(slack)
    client.auth_test()
    slack.fail("chat.postMessage", "drop", times=2)

    with pytest.raises(ConnectionError):  # http.client's RemoteDisconnected, as through urllib
        client.chat_postMessage(channel="C0GENERAL", text="lost")
    client.chat_postMessage(channel="C0GENERAL", text="after")

    assert [c.params["text"] for c in slack.calls("chat.postMessage") if c.status == 200] == ["after"]


@pytest.mark.parametrize(
    ("kind", "expected_error", "status"),
    [("rate_limited", "ratelimited", 429), ("ok_false", "fatal_error", 200), ("server_error", None, 500)],
)
def test_errors_surface_as_slack_api_errors_on_a_reused_connection(slack, kind, expected_error, status):
    client = client_for(slack)
    client.auth_test()
    slack.fail("chat.postMessage", kind, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0GENERAL", text="hi")

    assert raised.value.response.status_code == status
    if expected_error:
        assert raised.value.response["error"] == expected_error
    if kind == "rate_limited":
        assert raised.value.response.headers["Retry-After"] == "7"
    client.chat_postMessage(channel="C0GENERAL", text="again")  # the connection is still usable
    assert slack.connections == 1


def test_nobody_listening_is_a_url_error_as_with_urllib():
    with FakeSlackServer(bot_token=BOT_TOKEN) as gone:
        url = gone.url
    client = KeepAliveWebClient(token=BOT_TOKEN, base_url=url, timeout=2, retry_handlers=[])

    with pytest.raises(URLError):
        client.auth_test()


class ReprCounter(dict):
    """A view that counts how often it is turned into text (slack_sdk's DEBUG line does that)."""

    reprs = 0

    def __repr__(self) -> str:
        ReprCounter.reprs += 1
        return dict.__repr__(self)


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_the_debug_line_with_the_whole_view_is_never_built_even_at_debug(slack, caplog, level):
    """slack_sdk's DEBUG line quotes the whole request (a view with what people typed): content, which no
    log carries at any level (docs/SECURITY.md). Held at its floor (bot/logs.py), it is not even built."""
    floor_libraries(level)  # what `configure(LOG_LEVEL)` does
    client = client_for(slack)
    ReprCounter.reprs = 0
    view = ReprCounter(type="modal", title={"type": "plain_text", "text": "申請"}, blocks=[])

    with caplog.at_level(level):
        client.views_open(trigger_id="1.2.trigger", view=view)

    assert ReprCounter.reprs == 0
    assert not any("Sending a request" in r.getMessage() for r in caplog.records)
