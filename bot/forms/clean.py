"""What people type, made safe to store and to post: control characters out, lengths bounded.

Control characters (C0 except tab, newline and carriage return, and DEL) are *stripped*, not refused:
they are invisible in Slack's inputs (a paste from a PDF or a spreadsheet carries them), so a field
error would point at something the person cannot see or fix, and text that arrives outside a modal
(a DM question, a message turned into an inquiry, 🎫) has no field to show an error next to.
PostgreSQL refuses NUL in text and JSON, so without this a stray `\\x00` was a 500.

Free text the services post back (hold questions and answers, resolution notes, reasons) is capped
at FREE_TEXT_MAX characters: escaped for mrkdwn (at most 5× longer) it still fits a message's 40,000
characters, and the modals ask for no more than that either."""

from __future__ import annotations

import re
from typing import Any

from bot.errors import ValidationFailed
from bot.i18n import t

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FREE_TEXT_MAX = 2000
# Amounts (yen) and numbers, whatever the config says: ¥1,000,000,000,000 covers any back-office
# request, and stays far from the digits where parsing and JSON get slow or refuse.
MAX_AMOUNT = 10**12


def clean_text(text: str) -> str:
    return CONTROL.sub("", text)


def clean_values(value: Any) -> Any:
    """Every string in a form's raw values (lists and dicts included), control characters stripped."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_values(v) for v in value]
    if isinstance(value, dict):
        return {k: clean_values(v) for k, v in value.items()}
    return value


def free_text(text: str | None, block: str, locale: str, *, limit: int = FREE_TEXT_MAX,
              required: bool = True) -> str:
    """Cleaned and stripped text for `block`, or ValidationFailed (a field error in the modal, an
    ephemeral message elsewhere) when it is missing or longer than `limit`."""
    text = clean_text(text or "").strip()
    if required and not text:
        raise ValidationFailed({block: t(locale, "form.errors.required")})
    if len(text) > limit:
        raise ValidationFailed({block: t(locale, "form.errors.too_long", max=f"{limit:,}")})
    return text
