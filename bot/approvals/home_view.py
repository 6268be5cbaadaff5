"""App Home sections for approvals: "承認待ち / Awaiting your approval" with the same buttons as the
DM (same action ids and pointers, so a decision from Home is the same decision), and, for admins,
the approvals in flight with 詳細 (where an admin can re-assign a step). Pure builders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.approvals.views import decision_buttons, pointer
from bot.i18n import t
from bot.i18n.mrkdwn import escape
from bot.slack_ids import ApprovalAction
from bot.views.blocks import Block, actions, button, context, header, section


@dataclass(frozen=True)
class AwaitingItem:
    step_id: int
    version: int
    ticket_number: str
    type_name: str
    title: str
    requester: str
    summary: str  # e.g. "¥30,000 · 出張旅費"
    since: str
    due: str | None
    overdue: bool
    principal: str | None = None  # set when deciding on someone's behalf
    position: int = 1
    total: int = 1


def awaiting_section(locale: str, items: list[AwaitingItem], *, more: int = 0) -> list[Block]:
    if not items:
        return []
    blocks: list[Block] = [header(t(locale, "approvals.home.header", count=len(items) + more))]
    if len(items) + more >= 2:  # several at once: one confirmation (差戻し / 却下 stay one at a time, with a reason)
        blocks.append(actions(button(t(locale, "approvals.bulk.open"), ApprovalAction.BULK_OPEN, "all"),
                              block_id="home_bulk"))
    for item in items:
        lines = [t(locale, "approvals.home.item", number=item.ticket_number, type=item.type_name,
                   title=item.title, requester=item.requester)]
        if item.summary:
            lines.append(escape(item.summary))
        blocks.append(section("\n".join(lines)))
        notes = [t(locale, "approvals.home.since", since=item.since, position=item.position, total=item.total)]
        if item.due:
            notes.append(t(locale, "approvals.home.overdue" if item.overdue else "approvals.home.due", due=item.due))
        if item.principal:
            notes.append(t(locale, "approvals.home.on_behalf", principal=item.principal))
        blocks.append(context(" · ".join(notes)))
        blocks.append(decision_buttons(locale, item.step_id, item.version, block_prefix="home_approval"))
    if more:
        blocks.append(context(t(locale, "approvals.home.more", more=more)))
    return blocks


@dataclass(frozen=True)
class InFlightItem:
    step_id: int
    version: int
    ticket_number: str
    type_name: str
    approvers: str
    since: str
    overdue: bool


def in_flight_section(locale: str, items: list[InFlightItem], *, total: int) -> list[Block]:
    """For admins: pending steps, the most overdue first, each with 詳細 (re-assign lives there)."""
    if not items:
        return []
    blocks: list[Block] = [header(t(locale, "approvals.home.admin_header", count=total))]
    for item in items:
        mark = ":warning: " if item.overdue else ""
        text = mark + t(locale, "approvals.home.admin_item", number=item.ticket_number, type=item.type_name,
                        approvers=item.approvers, since=item.since)
        blocks.append(section(text, block_id=f"home_inflight:{item.step_id}", accessory=button(
            t(locale, "approvals.buttons.details"), ApprovalAction.DETAILS, pointer(item.step_id, item.version))))
    if total > len(items):
        blocks.append(context(t(locale, "approvals.home.more", more=total - len(items))))
    return blocks
