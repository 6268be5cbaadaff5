"""Tokens never reach a log line or a printed settings object."""

from __future__ import annotations

import logging

from bot.logs import RedactTokens
from bot.settings import Settings

TOKEN = "xoxb-1234567890-abcdefghijkl"


def test_settings_hide_secrets_when_printed():
    settings = Settings(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET="shh-secret", SLACK_APP_TOKEN="xapp-1-A-2-zz")
    shown = repr(settings) + str(settings.model_dump())
    assert TOKEN not in shown and "shh-secret" not in shown and "xapp-1-A-2-zz" not in shown
    assert settings.bot_token() == TOKEN and settings.socket_mode


def test_the_log_filter_masks_tokens_in_any_message():
    record = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1,
                               "Sending a request - headers: %s", ({"Authorization": f"Bearer {TOKEN}"},), None)
    RedactTokens().filter(record)
    assert TOKEN not in record.getMessage()
    assert "xox?-***" in record.getMessage()


def test_blank_tokens_count_as_unset():
    assert Settings(SLACK_BOT_TOKEN="  ", SLACK_APP_TOKEN="").slack_bot_token is None


def test_api_url_always_ends_with_a_slash():
    assert Settings(SLACK_API_URL="http://127.0.0.1:9/api").slack_api_url == "http://127.0.0.1:9/api/"
