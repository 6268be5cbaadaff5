"""FAQ answers as Block Kit: the three tiers, the feedback buttons and their aftermath."""

from __future__ import annotations

from typing import Any

from bot.faqdesk.values import CompanyValues
from bot.i18n import t
from bot.i18n.mrkdwn import escape
from bot.slack_ids import FaqAction, FaqBlock, FaqCallback
from bot.views.blocks import (
    BUTTON_TEXT_MAX,
    FIELD_MAX,
    OPTIONS_MAX,
    TEXT_MAX,
    Block,
    actions,
    button,
    clip,
    context,
    plain,
    section,
)
from faq.engine import FaqDoc


def localized(doc: FaqDoc, locale: str) -> tuple[str, str]:
    if locale == "en" and doc.question_en and doc.answer_en:
        return doc.question_en, doc.answer_en
    return doc.question, doc.answer


def _answer(doc: FaqDoc, locale: str, query_id: int, company: CompanyValues | None) -> tuple[str, list[Block]]:
    """The entry's question and answer with this company's values filled in. An unfilled value is left out
    (bot/faqdesk/values.py) and the answer says whom to ask, with the button that asks them. The asker is
    an employee: the matcher's score is not shown (agents and the CLI read it from the query log)."""
    company = company or CompanyValues()
    question, template = localized(doc, locale)
    filled = company.fill(template, locale)
    body = f"*{escape(question)}*" + (f"\n{filled.mrkdwn}" if filled.mrkdwn else "")
    blocks = [section(body)]
    buttons = [*feedback_buttons(locale, query_id)["elements"]]
    if filled.missing:
        blocks.append(context(t(locale, "faq.partial", department=company.whom_to_ask(doc.department, locale))))
        buttons.append(escalate_button(locale, query_id))
    return escape("\n".join(p for p in (question, filled.plain) if p)), [*blocks, actions(*buttons)]


def feedback_buttons(locale: str, query_id: int) -> Block:
    return actions(
        button(t(locale, "faq.helped"), FaqAction.HELPED, str(query_id), style="primary"),
        button(t(locale, "faq.not_helped"), FaqAction.NOT_HELPED, str(query_id)),
    )


def escalate_button(locale: str, query_id: int, primary: bool = False) -> dict[str, Any]:
    return button(t(locale, "faq.ask_person"), FaqAction.ESCALATE, str(query_id),
                  style="primary" if primary else None)


def answer_message(locale: str, query_id: int, tier: str, top: FaqDoc | None, suggestions: list[FaqDoc],
                   company: CompanyValues | None = None) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for a fresh answer."""
    if tier == "answer" and top is not None:
        return _answer(top, locale, query_id, company)
    if tier == "suggest" and suggestions:
        buttons = [button(localized(doc, locale)[0], FaqAction.SUGGESTION, f"{query_id}:{doc.id}")
                   for doc in suggestions[:3]]
        return t(locale, "faq.did_you_mean"), [
            section(t(locale, "faq.did_you_mean")),
            actions(*buttons, escalate_button(locale, query_id)),
        ]
    return t(locale, "faq.no_answer"), [section(t(locale, "faq.no_answer")),
                                        actions(escalate_button(locale, query_id, primary=True))]


def chosen_answer(locale: str, query_id: int, doc: FaqDoc,
                  company: CompanyValues | None = None) -> tuple[str, list[Block]]:
    return _answer(doc, locale, query_id, company)


def after_helped(locale: str, answer_blocks: list[Block]) -> tuple[str, list[Block]]:
    kept = [b for b in answer_blocks if b.get("type") != "actions"]
    return t(locale, "faq.thanks"), [*kept, context(t(locale, "faq.thanks"))]


def after_not_helped(locale: str, query_id: int, answer_blocks: list[Block]) -> tuple[str, list[Block]]:
    kept = [b for b in answer_blocks if b.get("type") != "actions"]
    return t(locale, "faq.sorry"), [*kept, section(t(locale, "faq.sorry")),
                                    actions(escalate_button(locale, query_id, primary=True))]


def after_escalated(locale: str, answer_blocks: list[Block]) -> tuple[str, list[Block]]:
    kept = [b for b in answer_blocks if b.get("type") != "actions"]
    return t(locale, "faq.escalated"), [*kept, context(t(locale, "faq.escalated"))]


CAPTURE_INPUT = "value"  # every input of the capture modal: its block id says which


def capture_modal(locale: str, *, question: str, answer: str, department: str,
                  departments: list[tuple[str, str]], metadata: str) -> dict[str, Any]:
    """"Add to FAQ" pre-filled from a resolved ticket: its question, the desk's resolution note and its
    department (`departments`: (key, localised name) pairs for the select)."""

    def text_input(block_id: str, label: str, value: str, multiline: bool, optional: bool = False) -> Block:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": CAPTURE_INPUT, "multiline": multiline,
                                   "max_length": TEXT_MAX}
        if value:
            element["initial_value"] = clip(value, TEXT_MAX)
        return {"type": "input", "block_id": block_id, "label": plain(label, FIELD_MAX), "element": element,
                "optional": optional}

    def option(key: str, name: str) -> dict[str, Any]:
        return {"text": plain(name, BUTTON_TEXT_MAX), "value": key}

    select: dict[str, Any] = {"type": "static_select", "action_id": CAPTURE_INPUT,
                              "options": [option(k, n) for k, n in departments][:OPTIONS_MAX]}
    chosen = next(((k, n) for k, n in departments if k == department), None)
    if chosen is not None:
        select["initial_option"] = option(*chosen)
    return {
        "type": "modal",
        "callback_id": FaqCallback.CAPTURE,
        "private_metadata": metadata,
        "title": plain(t(locale, "faq.capture_title"), 24),
        "submit": plain(t(locale, "faq.capture_submit"), 24),
        "close": plain(t(locale, "modal.back"), 24),
        "blocks": [
            text_input(FaqBlock.QUESTION, t(locale, "faq.capture_question"), question, False),
            text_input(FaqBlock.VARIANTS, t(locale, "faq.capture_variants"), "", True, optional=True),
            text_input(FaqBlock.ANSWER, t(locale, "faq.capture_answer"), answer, True),
            {"type": "input", "block_id": FaqBlock.DEPARTMENT,
             "label": plain(t(locale, "faq.capture_department"), FIELD_MAX), "element": select},
        ],
    }
