"""The triage desk's modals (assign, hold, resolve, re-route), the requester's answer modal, and the
details view of a confidential ticket."""

from __future__ import annotations

from typing import Any

from bot.forms.clean import FREE_TEXT_MAX
from bot.i18n import t
from bot.i18n.mrkdwn import escape
from bot.slack_ids import IntakeAction, TicketBlock, TicketCallback
from bot.tickets.card_view import status_text, who
from bot.tickets.facts_view import TicketFacts
from bot.views.blocks import (
    BUTTON_TEXT_MAX,
    FIELD_MAX,
    OPTIONS_MAX,
    PLACEHOLDER_MAX,
    Block,
    context,
    fields,
    header,
    plain,
    section,
)


def _modal(locale: str, title_key: str, callback_id: str, blocks: list[Block], metadata: str,
           submit: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(t(locale, title_key), 24),
        "close": plain(t(locale, "form.cancel" if submit else "form.close"), 24),
        "blocks": blocks,
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(t(locale, "form.submit"), 24)
    return view


def _text_input(block: str, label: str, *, multiline: bool = True, max_length: int = FREE_TEXT_MAX,
                placeholder: str | None = None) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": IntakeAction.FIELD, "multiline": multiline,
                               "max_length": max_length}
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    return {"type": "input", "block_id": block, "label": plain(label, FIELD_MAX), "element": element}


def _select(block: str, label: str, options: list[tuple[str, str]]) -> Block:
    return {"type": "input", "block_id": block, "label": plain(label, FIELD_MAX),
            "element": {"type": "static_select", "action_id": IntakeAction.FIELD,
                        "options": [{"text": plain(name, BUTTON_TEXT_MAX), "value": value}
                                    for value, name in options[:OPTIONS_MAX]]}}


def _about(f: TicketFacts, locale: str) -> Block:
    title = t(locale, "tickets.card.confidential_short") if f.confidential else f.title
    return context(f"*{f.number}* {f.type_name} — {title}")


def assign(f: TicketFacts, locale: str, agents: list[tuple[str, str]], metadata: str) -> dict[str, Any]:
    blocks = [_about(f, locale), _select(TicketBlock.ASSIGNEE, t(locale, "tickets.modal.assignee"), agents)]
    return _modal(locale, "tickets.modal.assign_title", TicketCallback.ASSIGN, blocks, metadata)


def hold(f: TicketFacts, locale: str, metadata: str) -> dict[str, Any]:
    blocks = [_about(f, locale),
              _text_input(TicketBlock.QUESTION, t(locale, "tickets.modal.question"),
                          placeholder=t(locale, "tickets.modal.question_placeholder")),
              context(t(locale, "tickets.modal.hold_hint"))]
    return _modal(locale, "tickets.modal.hold_title", TicketCallback.HOLD, blocks, metadata)


def resolve(f: TicketFacts, locale: str, metadata: str) -> dict[str, Any]:
    blocks = [_about(f, locale), _text_input(TicketBlock.NOTE, t(locale, "tickets.modal.note")),
              context(t(locale, "tickets.modal.resolve_hint"))]
    return _modal(locale, "tickets.modal.resolve_title", TicketCallback.RESOLVE, blocks, metadata)


def reroute(f: TicketFacts, locale: str, departments: list[tuple[str, str]], metadata: str) -> dict[str, Any]:
    blocks = [_about(f, locale),
              _select(TicketBlock.DEPARTMENT, t(locale, "tickets.modal.department"), departments),
              _text_input(TicketBlock.REASON, t(locale, "tickets.modal.reason"), max_length=1000)]
    return _modal(locale, "tickets.modal.reroute_title", TicketCallback.REROUTE, blocks, metadata)


def answer(f: TicketFacts, locale: str, question: str, metadata: str) -> dict[str, Any]:
    blocks = [_about(f, locale), section(f">>> {escape(question)}" if question else " "),
              _text_input(TicketBlock.ANSWER, t(locale, "tickets.modal.answer"))]
    return _modal(locale, "tickets.modal.answer_title", TicketCallback.ANSWER, blocks, metadata)


def details(f: TicketFacts, locale: str) -> dict[str, Any]:
    blocks: list[Block] = [
        header(f.heading),
        section(f"*{f.title}*"),
        fields((t(locale, "tickets.field.requester"), who(f.requester_id, locale)),
               (t(locale, "tickets.field.status"), status_text(locale, f.status)),
               (t(locale, "tickets.field.assignee"), who(f.assignee_id, locale)),
               (t(locale, "tickets.field.created"), f.created),
               (t(locale, "tickets.field.due"), f.resolution_due or "—")),
    ]
    if f.rows:
        blocks.append(section("\n".join(f"*{label}*: {value}" for label, value in f.rows)))
    if f.resolution_note:
        blocks.append(section(t(locale, "tickets.card.note", note=f.resolution_note)))
    blocks.append(context(t(locale, "tickets.modal.details_confidential")))
    return _modal(locale, "tickets.modal.details_title", TicketCallback.DETAILS, blocks, "", submit=False)
