"""A small modal that explains a problem without discarding the form underneath it."""

from __future__ import annotations

from typing import Any

from bot.i18n import t
from bot.views.blocks import MODAL_TITLE_MAX, plain, section


def error_modal(locale: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "error_view",
        "title": plain(t(locale, "modal.error_title"), MODAL_TITLE_MAX),
        "close": plain(t(locale, "modal.back"), MODAL_TITLE_MAX),
        "blocks": [section(text)],
    }
