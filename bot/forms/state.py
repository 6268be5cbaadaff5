"""Reading a submitted modal's `view.state.values` — the one place that knows its shape.

Slack sends `{block_id: {action_id: {"type": ..., <key>: ...}}}`, each input element reporting its
value under its own key (value, selected_option, selected_users…); an input left empty reports None
(or no key at all). One function per element kind reads that kind's value; every modal reader
(request forms, the desk's modals, approvals, delegation, FAQ capture) goes through them."""

from __future__ import annotations

from typing import Any

from bot.config.catalog import RequestType
from bot.slack_ids import IntakeAction, IntakeBlock

Values = dict[str, dict[str, Any]]


def block_id(field_key_: str) -> str:
    return f"{IntakeBlock.FIELD_PREFIX}{field_key_}"


def field_key(block: str) -> str | None:
    return block.removeprefix(IntakeBlock.FIELD_PREFIX) if block.startswith(IntakeBlock.FIELD_PREFIX) else None


def view_values(view: dict[str, Any] | None) -> Values:
    """A submitted view's `state.values` ({} when Slack sent none)."""
    return ((view or {}).get("state") or {}).get("values") or {}


def element(values: Values, block: str, action: str) -> dict[str, Any] | None:
    """The state of input `action` in block `block`, as Slack sent it (None when absent)."""
    return (values.get(block) or {}).get(action)


# -- one reader per element kind ---------------------------------------------------------------------------
def text_of(state: dict[str, Any] | None) -> str | None:
    """plain_text_input, email/url/number inputs: `value`."""
    return (state or {}).get("value")


def option_of(state: dict[str, Any] | None) -> str | None:
    """static/external select, radio buttons: the chosen option's value."""
    return ((state or {}).get("selected_option") or {}).get("value")


def options_of(state: dict[str, Any] | None) -> list[str]:
    """multi selects, checkboxes: the chosen options' values, in Slack's order."""
    return [o.get("value") for o in (state or {}).get("selected_options") or []]


def user_of(state: dict[str, Any] | None) -> str | None:
    """users_select: `selected_user`."""
    return (state or {}).get("selected_user")


def date_of(state: dict[str, Any] | None) -> str | None:
    """datepicker: `selected_date` (YYYY-MM-DD, unchecked)."""
    return (state or {}).get("selected_date")


def conversation_of(state: dict[str, Any] | None) -> str | None:
    """conversations_select: `selected_conversation`."""
    return (state or {}).get("selected_conversation")


def channel_of(state: dict[str, Any] | None) -> str | None:
    """channels_select: `selected_channel`."""
    return (state or {}).get("selected_channel")


def files_of(state: dict[str, Any] | None) -> list[dict[str, Any]]:
    """file_input: the picked files' objects (id, name, size, mimetype, url_private…), in Slack's order."""
    return [f for f in (state or {}).get("files") or [] if isinstance(f, dict)]


def element_value(state: dict[str, Any]) -> Any:
    """Any element's value, by the key it reports under (a catalog field may be any kind)."""
    if state.get("type") == "file_input" or "files" in state:
        return files_of(state)
    if "selected_option" in state:
        return option_of(state)
    if "selected_options" in state:
        return options_of(state)
    for key, read in (("selected_user", user_of), ("selected_date", date_of),
                      ("selected_conversation", conversation_of), ("selected_channel", channel_of)):
        if key in state:
            return read(state)
    return text_of(state)


def read_state(rt: RequestType, values: Values) -> dict[str, Any]:
    """A request form's answers: {field key: raw value} for each field the form showed."""
    raw: dict[str, Any] = {}
    for f in rt.fields:
        state = element(values, block_id(f.key), IntakeAction.FIELD)
        if state is not None:
            raw[f.key] = element_value(state)
    return raw


def field_value(view: dict[str, Any], block: str) -> Any:
    """A modal input built with the form's action id (IntakeAction.FIELD), whatever its kind."""
    state = element(view_values(view), block, IntakeAction.FIELD)
    return element_value(state) if state else None
