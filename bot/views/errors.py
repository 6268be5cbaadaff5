"""A small modal that explains a problem without discarding the form underneath it."""

from __future__ import annotations

from typing import Any

from bot.i18n import t


def error_modal(locale: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "error_view",
        "title": {"type": "plain_text", "text": t(locale, "modal.error_title")[:24]},
        "close": {"type": "plain_text", "text": t(locale, "modal.back")[:24]},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }
