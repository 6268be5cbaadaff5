"""The FAQ in Slack: answer a question where it was asked, and react to the asker's feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.faqdesk import asking, views
from bot.faqdesk.values import CompanyValues
from bot.services import Services
from bot.views.blocks import Block


@dataclass(frozen=True)
class Where:
    """Where the asker's message with the buttons lives, so the reply replaces it in place."""

    channel: str | None
    ts: str | None
    ephemeral: bool
    response_url: str | None
    blocks: list[Block]


def answer(session: Session, services: Services, *, user: str, text: str, locale: str,
           channel: str | None, thread_ts: str | None, post: bool) -> tuple[str, list[Block]]:
    """Ask, log, and (when `post`) send the tiered answer to the channel/thread it came from."""
    asked = asking.ask(session, services.faq, user=user, text=text, locale=locale, now=services.clock.now(),
                       channel=channel, thread_ts=thread_ts)
    fallback, blocks = views.answer_message(locale, asked.query.id, asked.answer.tier, asked.top,
                                            asked.suggestions, CompanyValues.from_config(services.config))
    if post and channel:
        outbox.post(session, channel, fallback, blocks, thread_ts=thread_ts)
    return fallback, blocks


def _replace(session: Session, where: Where, text: str, blocks: list[Block]) -> None:
    if where.ephemeral or not where.ts:
        if where.response_url:
            outbox.respond(session, where.response_url, {"replace_original": True, "text": text, "blocks": blocks})
        return
    outbox.enqueue(session, "chat.update", {"channel": where.channel, "ts": where.ts, "text": text,
                                            "blocks": blocks})


def helped(session: Session, services: Services, *, query_id: int, user: str, locale: str, where: Where) -> None:
    asking.record_outcome(session, query_id, user=user, outcome=asking.HELPED, now=services.clock.now())
    _replace(session, where, *views.after_helped(locale, where.blocks))


def not_helped(session: Session, services: Services, *, query_id: int, user: str, locale: str, where: Where) -> None:
    asking.record_outcome(session, query_id, user=user, outcome=asking.NOT_HELPED, now=services.clock.now())
    _replace(session, where, *views.after_not_helped(locale, query_id, where.blocks))


def chose_suggestion(session: Session, services: Services, *, query_id: int, entry_id: str, user: str,
                     locale: str, where: Where) -> None:
    query = session.get(asking.FaqQuery, query_id)
    if query is None or query.user_id != user:
        raise asking.NotTheAsker("only the person who asked can choose")
    doc = services.faq.doc(entry_id)
    if doc is None:
        raise asking.NotFound(f"faq entry {entry_id}")
    _replace(session, where, *views.chosen_answer(locale, query_id, doc, CompanyValues.from_config(services.config)))


def escalated(session: Session, services: Services, *, query_id: int, user: str, locale: str,
              where: Where) -> Any:
    query = asking.record_outcome(session, query_id, user=user, outcome=asking.ESCALATED, now=services.clock.now())
    _replace(session, where, *views.after_escalated(locale, where.blocks))
    return query
