"""Delegation (代理承認) on screen: the /helpdesk delegate modal and the App Home section
"代理設定 / My delegation". Pure builders: view models in, Block Kit out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.i18n import t
from bot.slack_ids import ApprovalAction, ApprovalCallback
from bot.views.blocks import (
    FIELD_MAX,
    MODAL_TITLE_MAX,
    PLACEHOLDER_MAX,
    Block,
    actions,
    button,
    context,
    header,
    plain,
    section,
)

# Block ids double as the keys of the service's field errors (bot.approvals.delegation).
DELEGATE_BLOCK, STARTS_BLOCK, ENDS_BLOCK, NOTE_BLOCK = (
    "delegation_delegate", "delegation_starts", "delegation_ends", "delegation_note")
DELEGATE_INPUT, DATE_INPUT, NOTE_INPUT = "delegate", "date", "note"


@dataclass(frozen=True)
class DelegationRow:
    """One delegation as its delegator or its delegate sees it."""

    id: int
    mine: bool  # True: I am away (the delegator); False: I stand in for someone
    other: str  # the other person's name
    starts: str
    ends: str
    active: bool
    note: str | None = None
    cancellable: bool = False


def delegation_modal(locale: str, *, today: date) -> dict[str, Any]:
    blocks: list[Block] = [
        section(t(locale, "approvals.delegation.modal.intro")),
        {"type": "input", "block_id": DELEGATE_BLOCK, "label": plain(t(locale, "approvals.delegation.modal.delegate")),
         "element": {"type": "users_select", "action_id": DELEGATE_INPUT,
                     "placeholder": plain(t(locale, "approvals.delegation.modal.delegate_placeholder"),
                                          PLACEHOLDER_MAX)}},
        {"type": "input", "block_id": STARTS_BLOCK, "label": plain(t(locale, "approvals.delegation.modal.starts")),
         "element": {"type": "datepicker", "action_id": DATE_INPUT, "initial_date": today.isoformat()}},
        {"type": "input", "block_id": ENDS_BLOCK, "label": plain(t(locale, "approvals.delegation.modal.ends")),
         "hint": plain(t(locale, "approvals.delegation.modal.ends_hint"), FIELD_MAX),
         "element": {"type": "datepicker", "action_id": DATE_INPUT}},
        {"type": "input", "block_id": NOTE_BLOCK, "optional": True,
         "label": plain(t(locale, "approvals.delegation.modal.note")),
         "element": {"type": "plain_text_input", "action_id": NOTE_INPUT, "max_length": 500,
                     "placeholder": plain(t(locale, "approvals.delegation.modal.note_placeholder"), PLACEHOLDER_MAX)}},
    ]
    return {
        "type": "modal",
        "callback_id": ApprovalCallback.DELEGATE,
        "title": plain(t(locale, "approvals.delegation.modal.title"), MODAL_TITLE_MAX),
        "submit": plain(t(locale, "approvals.delegation.modal.submit"), MODAL_TITLE_MAX),
        "close": plain(t(locale, "approvals.modal.cancel"), MODAL_TITLE_MAX),
        "blocks": blocks,
    }


def delegation_section(locale: str, rows: list[DelegationRow]) -> list[Block]:
    """Current and upcoming delegations, each cancellable by its owner, and 設定する."""
    blocks: list[Block] = [header(t(locale, "approvals.delegation.home.header"))]
    if not rows:
        blocks.append(section(t(locale, "approvals.delegation.home.none")))
    for row in rows[:10]:
        key = "mine" if row.mine else "theirs"
        state = t(locale, "approvals.delegation.home.active" if row.active else "approvals.delegation.home.upcoming")
        text = t(locale, f"approvals.delegation.home.{key}", other=row.other, starts=row.starts, ends=row.ends,
                 state=state)
        if row.note:
            text += "\n" + t(locale, "approvals.delegation.home.note", note=row.note)
        extra: dict[str, Any] = {"block_id": f"delegation:{row.id}"}
        if row.cancellable:
            extra["accessory"] = button(
                t(locale, "approvals.delegation.home.cancel"), ApprovalAction.DELEGATE_CANCEL, str(row.id),
                confirm={"title": plain(t(locale, "approvals.delegation.home.confirm_title"), 100),
                         "text": plain(t(locale, "approvals.delegation.home.confirm_text", other=row.other), 300),
                         "confirm": plain(t(locale, "approvals.delegation.home.cancel"), 30),
                         "deny": plain(t(locale, "approvals.modal.close"), 30)})
        blocks.append(section(text, **extra))
    blocks.append(actions(button(t(locale, "approvals.delegation.home.set"), ApprovalAction.DELEGATE_OPEN,
                                 "open"), block_id="delegation:actions"))
    blocks.append(context(t(locale, "approvals.delegation.home.hint")))
    return blocks
