"""FAQ numbers for the digest and the admins: questions, self-resolution rate, what went unanswered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.faqdesk.asking import ESCALATED, HELPED, NO_ANSWER, NOT_HELPED
from models import FaqQuery


@dataclass(frozen=True)
class FaqNumbers:
    asked: int
    helped: int
    not_helped: int
    escalated: int
    no_answer: int

    @property
    def self_resolution_rate(self) -> float | None:
        """自己解決率: questions the FAQ solved ÷ questions asked."""
        return self.helped / self.asked if self.asked else None


def numbers(session: Session, start: datetime, end: datetime) -> FaqNumbers:
    rows = dict(
        session.execute(
            select(FaqQuery.outcome, func.count())
            .where(FaqQuery.asked_at >= start, FaqQuery.asked_at < end)
            .group_by(FaqQuery.outcome)
        ).all()
    )
    return FaqNumbers(
        asked=sum(rows.values()),
        helped=rows.get(HELPED, 0),
        not_helped=rows.get(NOT_HELPED, 0),
        escalated=rows.get(ESCALATED, 0),
        no_answer=rows.get(NO_ANSWER, 0),
    )


def top_unanswered(session: Session, start: datetime, end: datetime, limit: int = 5) -> list[tuple[str, int]]:
    """The questions the FAQ could not settle, most asked first: the backlog for new entries."""
    rows = session.execute(
        select(FaqQuery.text, func.count().label("n"))
        .where(FaqQuery.asked_at >= start, FaqQuery.asked_at < end,
               FaqQuery.outcome.in_((NO_ANSWER, NOT_HELPED, ESCALATED)))
        .group_by(FaqQuery.text)
        .order_by(func.count().desc(), FaqQuery.text)
        .limit(limit)
    ).all()
    return [(text, int(n)) for text, n in rows]
