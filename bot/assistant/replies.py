"""The bot's DM as an agent surface: the prompts a new thread offers, the status shown while the desk looks,
and the answers to 申請する / 自分の申請の状況. Everything leaves through the outbox, in the DM's lane, so a
status goes out before the answer it stands for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import outbox
from bot.assistant import views
from bot.assistant.prompts import REQUEST, intent_of, suggested
from bot.faqdesk import conversation
from bot.i18n import t
from bot.tickets import home as ticket_home

if TYPE_CHECKING:
    from bot.services import Services

SET_PROMPTS = "assistant.threads.setSuggestedPrompts"
SET_STATUS = "assistant.threads.setStatus"


def offer_prompts(session: Session, services: Services, *, user: str, locale: str, channel: str,
                  thread_ts: str) -> None:
    """A new thread's suggested prompts."""
    prompts = suggested(session, services, user, locale)
    outbox.enqueue(session, SET_PROMPTS, {
        "channel_id": channel, "thread_ts": thread_ts, "title": str(t(locale, "assistant.prompts_title")),
        "prompts": [{"title": p.title, "message": p.message} for p in prompts]}, lane=channel)


def show_searching(session: Session, *, locale: str, channel: str, thread_ts: str) -> None:
    """The thread's status until the answer lands (Slack clears it with the app's reply)."""
    outbox.enqueue(session, SET_STATUS, {"channel_id": channel, "thread_ts": thread_ts,
                                         "status": str(t(locale, "assistant.searching"))}, lane=channel)


def answer_phrase(session: Session, services: Services, *, user: str, text: str, locale: str, channel: str,
                  thread_ts: str | None) -> bool:
    """申請する or 自分の申請の状況 answered in place; False for anything else (the FAQ's to answer)."""
    intent = intent_of(text)
    if intent is None:
        return False
    if intent == REQUEST:
        fallback, blocks = views.request_offer(locale)
    else:
        rows = ticket_home.my_requests(session, services, user, locale, heading=False)
        fallback, blocks = views.my_requests(locale, rows)
    outbox.post(session, channel, fallback, blocks, thread_ts=thread_ts)
    return True


def answer_dm(session: Session, services: Services, *, user: str, text: str, locale: str, channel: str,
              thread_ts: str | None) -> None:
    """A DM to the bot: one of the two phrases is answered by the desk; anything else by the FAQ, in a thread of
    the agent container showing that the FAQ is being searched until the answer lands."""
    if answer_phrase(session, services, user=user, text=text, locale=locale, channel=channel, thread_ts=thread_ts):
        return
    if thread_ts:
        show_searching(session, locale=locale, channel=channel, thread_ts=thread_ts)
    conversation.answer(session, services, user=user, text=text, locale=locale, channel=channel,
                        thread_ts=thread_ts, post=True)
