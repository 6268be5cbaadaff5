"""response_url deliveries (what Bolt's `respond()` sends), applied like Slack applies them."""

from __future__ import annotations

from typing import Any

from bot.fakeslack.api_chat import bot_message
from bot.fakeslack.state import FakeWorkspace

RESPONSE_PATH = "/hooks/"
MAX_USES = 5  # a response_url works up to 5 times (SLACK_FACTS.md)


def receive_response(ws: FakeWorkspace, hook_id: str, p: dict[str, Any]) -> tuple[int, str]:
    target = ws.response_urls.get(hook_id)
    if target is None:
        return 404, "no_service"
    if target.uses >= MAX_USES:
        return 404, "used_url"
    target.uses += 1
    original = ws.find_message(target.channel, target.message_ts) if target.message_ts else None
    mine = ws.ephemerals.get(target.user_id or "", [])
    if original is None and target.message_ts:
        # A click in an ephemeral message: its response_url replaces or deletes that ephemeral.
        ephemeral = next((m for m in mine if m["ts"] == target.message_ts), None)
        if ephemeral is not None and p.get("delete_original"):
            mine.remove(ephemeral)
            return 200, "ok"
        if ephemeral is not None and p.get("replace_original"):
            for key in ("text", "blocks", "attachments"):
                if key in p:
                    ephemeral[key] = p[key]
            return 200, "ok"
    if p.get("delete_original") and original is not None:
        ws.messages[target.channel].remove(original)
    elif p.get("replace_original") and original is not None:
        for key in ("text", "blocks", "attachments"):
            if key in p:
                original[key] = p[key]
    elif p.get("response_type") == "in_channel":
        ws.add_message(target.channel, bot_message(ws, p, ws.ts.next()))
    elif target.user_id:
        message = bot_message(ws, p, ws.ts.next())
        message["channel"] = target.channel
        ws.ephemerals.setdefault(target.user_id, []).append(message)
    return 200, "ok"
