"""`view.state.values` → {field key: raw value}. Each input element reports its value under its own
key (value, selected_option, selected_users…); an input left empty reports None."""

from __future__ import annotations

from typing import Any

from bot.config.catalog import RequestType
from bot.slack_ids import IntakeAction, IntakeBlock


def block_id(field_key_: str) -> str:
    return f"{IntakeBlock.FIELD_PREFIX}{field_key_}"


def field_key(block: str) -> str | None:
    return block.removeprefix(IntakeBlock.FIELD_PREFIX) if block.startswith(IntakeBlock.FIELD_PREFIX) else None


def read_state(rt: RequestType, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for f in rt.fields:
        element = (values.get(block_id(f.key)) or {}).get(IntakeAction.FIELD)
        if element is not None:
            raw[f.key] = element_value(element)
    return raw


def element_value(element: dict[str, Any]) -> Any:
    if "selected_option" in element:
        option = element["selected_option"]
        return option.get("value") if option else None
    if "selected_options" in element:
        return [o.get("value") for o in element.get("selected_options") or []]
    for key in ("selected_user", "selected_date", "selected_conversation", "selected_channel"):
        if key in element:
            return element[key]
    return element.get("value")
