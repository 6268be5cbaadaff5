"""Tiny constructors for Block Kit elements, enforcing Slack's length limits at the source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n.mrkdwn import literal

Block = dict[str, Any]

# Slack's Block Kit limits (https://api.slack.com/reference/block-kit), the one home of each number.
TEXT_MAX = 3000  # a section's or an input's text
FIELD_MAX = 2000  # a section field, a context element, a button's value, an input label
HEADER_MAX = 150
PLACEHOLDER_MAX = 150
BUTTON_TEXT_MAX = 75  # also an option's text
MODAL_TITLE_MAX = 24  # a modal's title, submit and close
CONFIRM_TITLE_MAX = 100
CONFIRM_BUTTON_MAX = 30  # a confirm dialog's confirm and deny
OPTIONS_MAX = 100  # options in a select
BLOCKS_MAX = 100  # blocks in a modal or a Home tab
MESSAGE_BLOCKS_MAX = 50  # blocks in a message
FIELDS_PER_SECTION = 10
ELEMENTS_PER_ACTIONS = 25
CHECKBOX_OPTIONS_MAX = 10  # options in one checkboxes element
TABLE_ROWS_MAX = 100  # rows in a table block, its header row included
TABLE_CELLS_MAX = 20  # cells in one row of a table block, and its column settings
TABLE_CELL_MAX = FIELD_MAX  # our own bound on one cell's text (Slack's reference gives none)
TABLES_PER_MESSAGE = 1  # a table block goes in a message, one per message; not in a modal or a Home tab


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = TEXT_MAX) -> dict[str, Any]:
    """Slack shows plain_text as typed: mrkdwn from `t()` is turned back into its literal characters."""
    return {"type": "plain_text", "text": clip(literal(text), limit), "emoji": True}


def mrkdwn(text: str, limit: int = TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def fields(*pairs: tuple[str, str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f"*{k}*\n{v}", FIELD_MAX) for k, v in pairs[:FIELDS_PER_SECTION]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t_, FIELD_MAX) for t_ in texts[:FIELDS_PER_SECTION]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None, **extra: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT_MAX), "action_id": action_id}
    if value:
        element["value"] = clip(value, FIELD_MAX)
    if style:
        element["style"] = style
    element.update(extra)
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:ELEMENTS_PER_ACTIONS])}
    if block_id:
        block["block_id"] = block_id
    return block


def table(head: Sequence[str], rows: Sequence[Sequence[str]], *, align: Sequence[str] = ()) -> Block:
    """A table block: `head` in bold as its first row, then `rows`, each cell shown as typed (raw_text; mrkdwn
    from `t()` is turned back into its literal characters). `align` per column: left, center or right.
    Rows and columns beyond Slack's limits are left out, so the caller says elsewhere what a table cannot hold."""
    width = min(len(head), TABLE_CELLS_MAX)

    def cell(text: str) -> dict[str, Any]:
        return {"type": "raw_text", "text": clip(literal(text), TABLE_CELL_MAX)}

    def bold(text: str) -> dict[str, Any]:
        return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "text", "text": clip(literal(text), TABLE_CELL_MAX), "style": {"bold": True}}]}]}

    block: Block = {"type": "table", "rows": [[bold(text) for text in head[:width]]] + [
        [cell(text) for text in row[:width]] + [cell("") for _ in range(width - len(row))]
        for row in rows[:TABLE_ROWS_MAX - 1]]}
    if align:
        block["column_settings"] = [{"align": a, "is_wrapped": True} for a in align[:width]]
    return block
