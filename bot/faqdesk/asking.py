"""Asking the FAQ, with every question logged (its top matches, scores, tier and, later, outcome)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import InvalidTransition, NotAuthorized, NotFound
from bot.faqdesk.index import FaqIndex
from bot.forms.clean import clean_text
from faq.engine import Answer, FaqDoc
from models import FaqQuery

HELPED, NOT_HELPED, ESCALATED, NO_ANSWER = "helped", "not_helped", "escalated", "no_answer"
MAX_QUESTION_CHARS = 2000


class NotTheAsker(NotAuthorized):
    key = "faq.only_asker"


@dataclass(frozen=True)
class Asked:
    query: FaqQuery
    answer: Answer
    top: FaqDoc | None
    suggestions: list[FaqDoc]


def ask(session: Session, index: FaqIndex, *, user: str, text: str, locale: str, now: datetime,
        channel: str | None = None, thread_ts: str | None = None) -> Asked:
    text = clean_text(text).strip()[:MAX_QUESTION_CHARS]  # no NUL for PostgreSQL, nothing invisible
    answer = index.ask(text, k=3)
    query = FaqQuery(
        user_id=user,
        text=text,
        locale=locale,
        channel=channel,
        thread_ts=thread_ts,
        tier=answer.tier,
        matches=[{"id": m.id, "score": m.score, "phrase": m.matched_phrase} for m in answer.matches],
        top_score=answer.matches[0].score if answer.matches else None,
        outcome=NO_ANSWER if answer.tier == "none" else None,
        asked_at=now,
        decided_at=now if answer.tier == "none" else None,
    )
    session.add(query)
    session.flush()
    docs = [d for m in answer.matches if (d := index.doc(m.id)) is not None]
    top = docs[0] if answer.tier == "answer" and docs else None
    return Asked(query, answer, top, docs if answer.tier == "suggest" else [])


def link_escalated_question(session: Session, query_id: int, *, ticket_id: int, requester: str) -> None:
    """The inquiry an escalated question became, so the query log can say where it went. Only the
    asker's own inquiry links, once; anything else is ignored (the inquiry itself stands)."""
    query = session.get(FaqQuery, query_id)
    if query is None or query.user_id != requester or query.ticket_id is not None:
        return
    query.ticket_id = ticket_id
    if query.outcome != ESCALATED:  # sent from the "no answer" tier or a later click: it was escalated
        query.outcome, query.decided_at = ESCALATED, query.decided_at or query.asked_at


def record_outcome(session: Session, query_id: int, *, user: str, outcome: str, now: datetime,
                   ticket_id: int | None = None) -> FaqQuery:
    """The asker says whether the answer helped, or escalates to a person. Only the asker decides."""
    query = session.get(FaqQuery, query_id, with_for_update=True)
    if query is None:
        raise NotFound(f"faq query {query_id}")
    if query.user_id != user:
        raise NotTheAsker("only the person who asked can answer this")
    if query.outcome in (HELPED,) and outcome != HELPED:
        raise InvalidTransition("helped", outcome)
    query.outcome = outcome
    query.decided_at = now
    if ticket_id is not None:
        query.ticket_id = ticket_id
    return query
