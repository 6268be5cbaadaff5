"""assistant.threads.*: the agent surface of the bot's DM (suggested prompts, a status while the app works).

Shaped like Slack's reference: setSuggestedPrompts takes `channel_id`, up to four `prompts` of {title,
message}, an optional `title` and `thread_ts` (without it, the prompts are the DM's, as in the agent view);
setStatus takes `channel_id`, `thread_ts` and `status` ("" clears it; so does the app's next reply there)."""

from __future__ import annotations

from typing import Any

from bot.fakeslack.state import ApiError, FakeWorkspace

MAX_PROMPTS = 4
MAX_LOADING_MESSAGES = 10


def _dm(ws: FakeWorkspace, p: dict[str, Any]) -> str:
    channel = str(p.get("channel_id") or "")
    if not channel:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: channel_id"])
    found = ws.channels.get(channel)
    if found is None or not found.im_user:
        raise ApiError("channel_not_found")
    return channel


def set_suggested_prompts(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _dm(ws, p)
    prompts = p.get("prompts")
    if not isinstance(prompts, list) or not prompts:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: prompts"])
    if len(prompts) > MAX_PROMPTS:
        raise ApiError("invalid_arguments", [f"[ERROR] no more than {MAX_PROMPTS} items allowed "
                                             "[json-pointer:/prompts]"])
    for i, prompt in enumerate(prompts):
        if not isinstance(prompt, dict) or not all(isinstance(prompt.get(k), str) and prompt[k].strip()
                                                   for k in ("title", "message")):
            raise ApiError("invalid_arguments", [f"[ERROR] missing required field: title or message "
                                                 f"[json-pointer:/prompts/{i}]"])
    ws.assistant_prompts[(channel, p.get("thread_ts") or None)] = {
        "title": p.get("title"), "prompts": [{"title": x["title"], "message": x["message"]} for x in prompts]}
    return {"ok": True}


def set_status(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _dm(ws, p)
    thread_ts = p.get("thread_ts")
    if not thread_ts:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: thread_ts"])
    status = p.get("status")
    if not isinstance(status, str):
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: status"])
    if len(p.get("loading_messages") or []) > MAX_LOADING_MESSAGES:
        raise ApiError("invalid_arguments", [f"[ERROR] no more than {MAX_LOADING_MESSAGES} items allowed "
                                             "[json-pointer:/loading_messages]"])
    ws.assistant_status.setdefault((channel, str(thread_ts)), []).append(status)
    return {"ok": True}
