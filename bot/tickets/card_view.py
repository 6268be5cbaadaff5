"""The ticket card in the department's triage channel, updated in place after every change.

A confidential ticket's card says only that something arrived: no requester, no title, no fields."""

from __future__ import annotations

from bot.i18n import t
from bot.i18n.mrkdwn import Mrkdwn, mention
from bot.receipts.views import files_button
from bot.slack_ids import FaqAction, TicketAction
from bot.tickets.facts_view import TicketFacts
from bot.views.blocks import Block, actions, button, context, fields, header, section

UNCLAIMED = ("submitted", "approved")
ON_DESK = ("submitted", "approved", "in_progress", "on_hold")


def who(user_id: str | None, locale: str) -> Mrkdwn:
    return mention(user_id) if user_id else t(locale, "tickets.nobody")


def status_text(locale: str, status: str) -> str:
    return t(locale, f"status.{status}")


def card(f: TicketFacts, locale: str, *, moved_to: str | None = None, moved_reason: str | None = None,
         ) -> tuple[str, list[Block]]:
    value = str(f.id)
    blocks: list[Block] = [header(f.heading)]
    if f.confidential:
        blocks.append(section(t(locale, "tickets.card.confidential")))
        blocks.append(fields((t(locale, "tickets.field.status"), status_text(locale, f.status)),
                             (t(locale, "tickets.field.assignee"), who(f.assignee_id, locale)),
                             (t(locale, "tickets.field.due"), f.resolution_due or "—")))
    else:
        blocks.append(section(f"*{f.title}*"))
        blocks.append(fields((t(locale, "tickets.field.requester"), who(f.requester_id, locale)),
                             (t(locale, "tickets.field.status"), status_text(locale, f.status)),
                             (t(locale, "tickets.field.assignee"), who(f.assignee_id, locale)),
                             (t(locale, "tickets.field.first_response_due"), f.first_response_due or "—"),
                             (t(locale, "tickets.field.due"), f.resolution_due or "—")))
        if f.rows:
            blocks.append(section("\n".join(f"*{label}*: {value_}" for label, value_ in f.rows)))
        links = []
        if f.source_link:
            links.append(t(locale, "tickets.card.source", link=f.source_link))
        if f.parent:
            links.append(t(locale, "tickets.card.parent", number=f.parent))
        if f.children:
            links.append(t(locale, "tickets.card.children", numbers=", ".join(f.children)))
        if links:
            blocks.append(context(*links))
        if f.files:
            blocks.append(files_button(locale, f.id, f.files))
    if f.paused and f.status == "on_hold":
        blocks.append(context(t(locale, "tickets.card.paused")))
    if moved_to is not None:
        blocks.append(context(t(locale, "tickets.card.moved", department=moved_to, reason=moved_reason or "")))
    elif f.status in ON_DESK:
        blocks.append(actions(*_buttons(f, locale, value), block_id=f"ticket_card:{f.id}"))
    elif f.status in ("resolved", "closed"):
        if f.resolution_note and not f.confidential:
            blocks.append(section(t(locale, "tickets.card.note", note=f.resolution_note)))
        blocks.append(context(_resolved_line(f, locale)))
        if not f.confidential:
            # The FAQ desk turns a good answer into an entry in one step (handlers/faq.py).
            blocks.append(actions(button(t(locale, "tickets.buttons.capture"), FaqAction.CAPTURE, value),
                                  block_id=f"ticket_done:{f.id}"))
    elif f.status == "withdrawn":
        blocks.append(context(t(locale, "tickets.card.withdrawn")))
    text = t(locale, "tickets.card.text", number=f.number, type=f.type_name,
             status=status_text(locale, f.status)) if not f.confidential else t(
        locale, "tickets.card.text_confidential", number=f.number)
    return text, blocks


def _buttons(f: TicketFacts, locale: str, value: str) -> list[dict]:
    buttons = []
    if f.status in UNCLAIMED:
        buttons.append(button(t(locale, "tickets.buttons.claim"), TicketAction.CLAIM, value, style="primary"))
    buttons.append(button(t(locale, "tickets.buttons.assign"), TicketAction.ASSIGN, value))
    if f.status != "on_hold":
        buttons.append(button(t(locale, "tickets.buttons.hold"), TicketAction.HOLD, value))
    buttons.append(button(t(locale, "tickets.buttons.resolve"), TicketAction.RESOLVE, value))
    buttons.append(button(t(locale, "tickets.buttons.reroute"), TicketAction.REROUTE, value))
    if f.confidential:
        buttons.append(button(t(locale, "tickets.buttons.details"), TicketAction.DETAILS, value))
    return buttons


def _resolved_line(f: TicketFacts, locale: str) -> str:
    line = t(locale, "tickets.card.resolved", who=who(f.assignee_id, locale))
    if f.satisfaction:
        line += "  " + t(locale, "tickets.card.rating", stars=stars(f.satisfaction))
    return line


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)
