"""The one home of mrkdwn escaping: what a person typed can never ping @channel or disguise a link.

Slack's rule: in mrkdwn (and a message's `text`), only `&`, `<` and `>` need escaping; everything
between `<` and `>` is markup (`<!channel>`, `<@U…>`, `<https://…|label>`). So:

- `escape(text)` turns anything a person typed (form values, titles, questions, answers, notes,
  reasons, profile names, FAQ questions …) into `Mrkdwn` that shows exactly those characters.
- `Mrkdwn` marks text that is already safe mrkdwn: escaped user text, or markup the bot wrote itself.
  `escape()` leaves it alone, so nothing is escaped twice while it keeps that type.
- `t()` (bot/i18n) escapes every `str` parameter that is not `Mrkdwn` and returns `Mrkdwn`; the opt-out
  for markup the bot builds is to pass `mention()`, `link()` or `trusted()` values.
- `literal(text)` is the way back for `plain_text` objects (Slack shows them as typed), used by
  `bot.views.blocks.plain`, so a catalog message with a user's value reads right in a button or title.
"""

from __future__ import annotations

import re
from typing import Any

_SLACK_ID = re.compile(r"[UWBCGD][A-Z0-9]{2,30}")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_UNESCAPE = re.compile(r"&(amp|lt|gt);")


class Mrkdwn(str):
    """Text that is already mrkdwn (escaped user text or the bot's own markup)."""

    __slots__ = ()


def escape(text: Any) -> Mrkdwn:
    """`text` as mrkdwn that shows exactly these characters (idempotent on `Mrkdwn`)."""
    if isinstance(text, Mrkdwn):
        return text
    value = "" if text is None else str(text)
    return Mrkdwn(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def literal(text: Any) -> str:
    """What `Mrkdwn` shows, as plain text (for plain_text objects); other strings are returned as-is."""
    if not isinstance(text, Mrkdwn):
        return "" if text is None else str(text)
    return _UNESCAPE.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], str(text))


def trusted(text: str) -> Mrkdwn:
    """Opt-out: markup the bot composed itself from escaped or bot-made parts (never raw user text)."""
    return Mrkdwn(text)


def mention(user_id: str | None) -> Mrkdwn:
    """`<@U…>` for a Slack user id from a signed payload or the config; anything else is shown escaped."""
    value = user_id or ""
    return Mrkdwn(f"<@{value}>") if _SLACK_ID.fullmatch(value) else escape(value)


def channel(channel_id: str) -> Mrkdwn:
    return Mrkdwn(f"<#{channel_id}>") if _SLACK_ID.fullmatch(channel_id or "") else escape(channel_id)


def link(url: str, label: Any = None) -> Mrkdwn:
    """`<url|label>`: the url's own `<`, `>`, `|` are percent-encoded, the label escaped."""
    safe_url = str(url).replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    if label is None:
        return Mrkdwn(f"<{safe_url}>")
    return Mrkdwn(f"<{safe_url}|{escape(label)}>")


def format_escaped(template: str, params: dict[str, Any]) -> Mrkdwn:
    """str.format with every non-`Mrkdwn` string parameter escaped (numbers keep their format specs)."""
    safe = {k: (escape(v) if isinstance(v, str) else v) for k, v in params.items()}
    return Mrkdwn(template.format(**safe))


__all__ = ["Mrkdwn", "channel", "escape", "format_escaped", "link", "literal", "mention", "trusted"]
