"""`view.state.values` entries in the shape each input element reports (slack-payloads/README.md)."""

from __future__ import annotations

from typing import Any

_VALUE_KEY = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "file_input": "files",  # the picked files' objects (user_uploads), [] when none
}


def option(value: str | dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """An option object; a bare string becomes {text: value, value: value}."""
    if isinstance(value, dict):
        return value
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def state_value(element_type: str, value: Any) -> dict[str, Any]:
    """e.g. state_value("static_select", "high") -> {"type": ..., "selected_option": {...}}.

    `None` is what Slack sends for an optional input left empty (value: null / selected_option: null).
    """
    key = _VALUE_KEY.get(element_type)
    if key is None:
        raise ValueError(f"unknown input element type {element_type!r}")
    if key == "selected_option" and value is not None:
        value = option(value)
    elif key == "selected_options":
        value = [option(v) for v in (value or [])]
    elif key == "files":
        value = list(value or [])
    return {"type": element_type, key: value}
