"""FAQ numbers for the digest and the admins: questions, self-resolution rate, what went unanswered."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.faqdesk.asking import ESCALATED, HELPED, NO_ANSWER, NOT_HELPED
from models import FaqQuery, Ticket

UNSETTLED = (NO_ANSWER, NOT_HELPED, ESCALATED)


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
    """The questions the FAQ could not settle, most asked first: the backlog for new entries.

    Verbatim, DM questions included: for the FAQ's maintainers (`madoguchi faq stats`) only. Anything
    posted to a channel uses `shareable_unanswered`."""
    rows = session.execute(
        select(FaqQuery.text, func.count().label("n"))
        .where(FaqQuery.asked_at >= start, FaqQuery.asked_at < end,
               FaqQuery.outcome.in_(UNSETTLED))
        .group_by(FaqQuery.text)
        .order_by(func.count().desc(), FaqQuery.text)
        .limit(limit)
    ).all()
    return [(text, int(n)) for text, n in rows]


_EDGES = re.compile(r"^[\s\W_]+|[\s\W_]+$")
_SPACES = re.compile(r"\s+")
_SPACE_BY_JAPANESE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")  # 経費の 締め日 = 経費の締め日


def question_key(text: str) -> str:
    """Phrasings that differ only in width, case, spacing or surrounding punctuation count together
    (`経費の締め日は？`, `経費の 締め日は?`); no deeper similarity, so nobody's own words are merged away."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return _EDGES.sub("", _SPACE_BY_JAPANESE.sub("", _SPACES.sub(" ", norm)))


@dataclass(frozen=True)
class Shareable:
    """What the digest channel may see of the week's unanswered questions."""

    top: list[tuple[str, int]]  # (a phrasing, different people who asked it), most asked first
    withheld: int  # unanswered questions not listed: too few askers, or a confidential matter


def shareable_unanswered(session: Session, start: datetime, end: datetime, *, min_askers: int,
                         private: Callable[[str], bool], limit: int = 5) -> Shareable:
    """The unanswered questions fit for a channel: asked by at least `min_askers` different people (so a
    question sent once in a DM is never shown), none that `private(text)` claims (a confidential type's
    matter) or that became a confidential ticket. The phrasing shown is the group's most common one."""
    rows = session.execute(
        select(FaqQuery.text, FaqQuery.user_id, Ticket.confidential)
        .outerjoin(Ticket, Ticket.id == FaqQuery.ticket_id)
        .where(FaqQuery.asked_at >= start, FaqQuery.asked_at < end, FaqQuery.outcome.in_(UNSETTLED))).all()
    askers: dict[str, set[str]] = defaultdict(set)
    phrasings: dict[str, Counter[str]] = defaultdict(Counter)
    hidden: set[str] = set()
    for text, user, confidential in rows:
        key = question_key(text)
        askers[key].add(user)
        phrasings[key][text.strip()] += 1
        if confidential or key in hidden or private(text):
            hidden.add(key)
    shown = sorted(((min(phrasings[k].items(), key=lambda kv: (-kv[1], kv[0]))[0], len(users))
                    for k, users in askers.items() if k not in hidden and len(users) >= min_askers),
                   key=lambda item: (-item[1], item[0]))[:limit]
    listed = {question_key(text) for text, _ in shown}
    withheld = sum(sum(phrasings[k].values()) for k in askers if k not in listed)
    return Shareable(shown, withheld)
