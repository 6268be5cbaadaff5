"""App Home rendering: gathers what one person should see and hands it to the view builder.

Rendered at delivery time by the outbox (see outbox.refresh_home), so bursts of changes become
one views.publish showing the latest state.

The sections, in the order they appear, are one list passed in by the composition root
(bot/outbox_renderers.py HOME_SECTIONS); each is called as `build(session, services, user, locale)`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.views.blocks import Block
from bot.views.home import home_view
from models import HomeViewer
from models.db import insert_ignore

if TYPE_CHECKING:
    from bot.services import Services

SectionBuilder = Callable[[Session, "Services", str, str], list[Block]]


def sections(session: Session, services: Services, user: str, locale: str,
             builders: Sequence[SectionBuilder]) -> list[Block]:
    blocks: list[Block] = []
    for build in builders:
        blocks.extend(build(session, services, user, locale))
    return blocks


def opened(session: Session, services: Services, user: str) -> None:
    """The person opened their Home tab: queue a refresh unless one is already waiting.

    Opening Home is frequent and its refresh coalesces: a repeat within the refresh window is
    answered from memory, and the pending check reads without the write lock, so a burst of opens
    costs one write, not one each. (Marked before the refresh is queued: should this request's
    transaction fail, the person's next open in the window refreshes nothing; any change will.)"""
    at = services.clock.now()
    now = at.timestamp()
    if services.recent_home_opens.seen_recently(user, now):
        return
    services.recent_home_opens.mark(user, now)
    with services.read_sessions() as reader:
        if outbox.home_refresh_pending(reader, user):
            return
        known = reader.get(HomeViewer, user) is not None
    if not known:  # from now on, changes re-publish this person's Home (outbox.refresh_home)
        insert_ignore(session, HomeViewer, {"slack_id": user, "first_opened_at": at})
    outbox.refresh_home(session, user)


def renderer(services: Services, builders: Sequence[SectionBuilder]
             ) -> Callable[[Session, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """The Home's delivery-time renderer: `builders`, top to bottom."""

    def render(session: Session, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user = payload["user"]
        locale = services.locales.locale(user)
        name = services.locales.display_name(user)
        blocks = sections(session, services, user, locale, builders)
        return "views.publish", {"user_id": user, "view": home_view(locale, name, blocks)}

    return render
