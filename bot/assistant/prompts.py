"""What the bot's DM suggests to a person: the FAQ topics most asked by their department lately, then
申請する and 自分の申請の状況. Each prompt sends its `message` as the person's own words when clicked, so the
FAQ (or the two phrases in `intent_of`) answers it like anything typed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import LOCALES, t
from models import FaqEntry, FaqQuery

if TYPE_CHECKING:
    from bot.services import Services

PROMPTS_MAX = 4  # Slack's limit for assistant.threads.setSuggestedPrompts
FAQ_TOPICS = PROMPTS_MAX - 2  # the other two: 申請する, 自分の申請の状況
LOOKBACK = timedelta(days=90)
SAMPLE = 2000  # the newest answered questions counted: enough to rank topics, cheap on every thread start
TITLE_MAX = 40  # a prompt is a button-sized line; the message carries the whole question

REQUEST, STATUS = "request", "status"


@dataclass(frozen=True)
class Prompt:
    title: str
    message: str


def suggested(session: Session, services: Services, user: str, locale: str) -> list[Prompt]:
    topics = [_as_prompt(entry, locale) for entry in top_entries(session, services, user, FAQ_TOPICS)]
    return [*topics, *(Prompt(str(t(locale, f"assistant.prompts.{key}.title")),
                              str(t(locale, f"assistant.prompts.{key}.message"))) for key in (REQUEST, STATUS))]


def intent_of(text: str) -> str | None:
    """申請する / 自分の申請の状況 (or their English words), as a prompt sends them or a person types them."""
    said = " ".join(text.split()).casefold()
    for key in (REQUEST, STATUS):
        if any(said == str(t(locale, f"assistant.prompts.{key}.message")).casefold() for locale in LOCALES):
            return key
    return None


def top_entries(session: Session, services: Services, user: str, n: int) -> list[FaqEntry]:
    """The FAQ entries that answered the most questions of `user`'s department in the last 90 days; topped
    up from the whole company's, then from the FAQ itself, so a new company still gets prompts."""
    since = services.clock.now() - LOOKBACK
    person = services.config.person_for_slack_id(user)
    colleagues = [p.slack_id for p in services.config.org.people
                  if p.slack_id and person is not None and person.department and p.department == person.department]
    chosen: list[str] = []
    for who in ([colleagues] if colleagues else []) + [None]:
        query = (select(FaqQuery.matches).where(FaqQuery.tier == "answer", FaqQuery.asked_at >= since)
                 .order_by(FaqQuery.id.desc()).limit(SAMPLE))
        if who is not None:
            query = query.where(FaqQuery.user_id.in_(who))
        counts = Counter(str(matches[0]["id"]) for matches in session.scalars(query) if matches)
        chosen.extend(key for key, _ in counts.most_common() if key not in chosen)
    entries = {e.id: e for e in session.scalars(select(FaqEntry).where(FaqEntry.id.in_(chosen), FaqEntry.enabled))}
    found = [entries[key] for key in chosen if key in entries][:n]
    if len(found) < n:
        found.extend(session.scalars(select(FaqEntry).where(FaqEntry.enabled, FaqEntry.id.not_in([e.id for e in found]))
                                     .order_by(FaqEntry.id).limit(n - len(found))))
    return found


def _as_prompt(entry: FaqEntry, locale: str) -> Prompt:
    question = (entry.question_en if locale == "en" and entry.question_en else entry.question).strip()
    title = question if len(question) <= TITLE_MAX else question[:TITLE_MAX - 1] + "…"
    return Prompt(title, question)
