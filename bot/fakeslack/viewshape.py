"""The full view object Slack returns (and echoes in payloads), built from what an app sends.

Shared by the fake Web API (views.open/update/push/publish answers) and the payload builders
(view_submission/view_closed), so a view round-trips with the same shape in both directions.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.fakeslack.ids import API_APP_ID, BOT_ID, TEAM_ID

MAX_BLOCKS = {"modal": 100, "home": 100, "message": 50}
MAX_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_ID_LENGTH = 255
# Table blocks (Slack's table block reference): up to 100 rows of up to 20 cells, raw_text or rich_text, up to
# 20 column settings. One per message and in messages only: our reading of Slack's usage notes, kept strict.
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
TABLE_CELL_TYPES = ("raw_text", "rich_text")
TABLE_ALIGNS = ("left", "center", "right")


def complete_view(
    view: dict[str, Any],
    *,
    view_id: str,
    view_hash: str,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """Fill in every field Slack adds; the app's own fields win, ids and hash are Slack's."""
    full: dict[str, Any] = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": view_hash,
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    full.update(copy.deepcopy(view))
    full.update(
        {
            "id": view_id,
            "hash": view_hash,
            "root_view_id": root_view_id or view_id,
            "previous_view_id": previous_view_id,
            "team_id": team_id,
            "app_installed_team_id": team_id,  # the payload's workspace (an app installed by many)
        }
    )
    full.setdefault("state", {"values": {}})
    return full


def view_problems(view: dict[str, Any]) -> list[str]:
    """Slack's `invalid_arguments` messages for the limits apps most often trip over."""
    problems: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"[ERROR] must be one of modal, home, got {kind!r} [json-pointer:/view/type]"]
    blocks = view.get("blocks", [])
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/view/blocks]"]
    if len(blocks) > MAX_BLOCKS[kind]:
        problems.append(f"[ERROR] no more than {MAX_BLOCKS[kind]} items allowed [json-pointer:/view/blocks]")
    if kind == "modal":
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text", "")
            if key == "title" and not text:
                problems.append("[ERROR] missing required field: title [json-pointer:/view]")
            if len(text) > MAX_TITLE:
                problems.append(
                    f"[ERROR] must be less than {MAX_TITLE + 1} characters [json-pointer:/view/{key}/text]"
                )
    problems.extend(table_problems(blocks, "/view/blocks", allowed=False))
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA:
        problems.append("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
    if len(view.get("callback_id") or "") > MAX_ID_LENGTH:
        problems.append("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
    return problems


def table_problems(blocks: list[Any], pointer: str, *, allowed: bool = True) -> list[str]:
    """Slack's `invalid_blocks` messages for table blocks: where they may go, how many, their shape."""
    at = [i for i, block in enumerate(blocks) if isinstance(block, dict) and block.get("type") == "table"]
    if at and not allowed:
        return [f"[ERROR] unsupported type: table [json-pointer:{pointer}/{at[0]}/type]"]
    too_many = "[ERROR] no more than {} items allowed [json-pointer:{}]"
    one_of = "[ERROR] must be one of {} [json-pointer:{}]"
    problems = [f"[ERROR] only one table block is allowed per message [json-pointer:{pointer}/{i}]" for i in at[1:]]
    for i in at:
        here = f"{pointer}/{i}"
        rows = blocks[i].get("rows")
        if not isinstance(rows, list) or not rows:
            problems.append(f"[ERROR] missing required field: rows [json-pointer:{here}]")
            continue
        if len(rows) > MAX_TABLE_ROWS:
            problems.append(too_many.format(MAX_TABLE_ROWS, f"{here}/rows"))
        for r, row in enumerate(rows):
            if not isinstance(row, list) or len(row) > MAX_TABLE_CELLS:
                problems.append(too_many.format(MAX_TABLE_CELLS, f"{here}/rows/{r}"))
                continue
            problems.extend(one_of.format(", ".join(TABLE_CELL_TYPES), f"{here}/rows/{r}/{c}/type")
                            for c, cell in enumerate(row)
                            if not isinstance(cell, dict) or cell.get("type") not in TABLE_CELL_TYPES)
        settings = blocks[i].get("column_settings") or []
        if len(settings) > MAX_TABLE_CELLS:
            problems.append(too_many.format(MAX_TABLE_CELLS, f"{here}/column_settings"))
        problems.extend(one_of.format(", ".join(TABLE_ALIGNS), f"{here}/column_settings/{c}/align")
                        for c, setting in enumerate(settings)
                        if isinstance(setting, dict) and setting.get("align", "left") not in TABLE_ALIGNS)
    return problems
