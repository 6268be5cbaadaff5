"""App Home rendering: gathers what one person should see and hands it to the view builder.

Rendered at delivery time by the outbox (see outbox.refresh_home), so bursts of changes become
one views.publish showing the latest state.

Features contribute sections with `@add_section` (optionally `@add_section(order=10)` to stand
higher); each builder is called as `build(session, services, user, locale)` — services passed in
explicitly, so a section never has to find the composition root by itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy.orm import Session

from bot import outbox
from bot.views.blocks import Block
from bot.views.home import home_view

if TYPE_CHECKING:
    from bot.services import Services

SectionBuilder = Callable[[Session, "Services", str, str], list[Block]]
DEFAULT_ORDER = 50  # what the person must act on stands higher (smaller), numbers lower
_SECTIONS: list[tuple[int, int, SectionBuilder]] = []


@overload
def add_section(builder: SectionBuilder) -> SectionBuilder: ...
@overload
def add_section(*, order: int = DEFAULT_ORDER) -> Callable[[SectionBuilder], SectionBuilder]: ...
def add_section(builder: SectionBuilder | None = None, *, order: int = DEFAULT_ORDER) -> Any:
    """Features contribute Home sections (my requests, approvals, queue…) without touching this file."""

    def register(b: SectionBuilder) -> SectionBuilder:
        if all(existing is not b for _, _, existing in _SECTIONS):  # re-imports must not double a section
            _SECTIONS.append((order, len(_SECTIONS), b))
            _SECTIONS.sort(key=lambda entry: entry[:2])
        return b

    return register(builder) if builder is not None else register


def sections(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    blocks: list[Block] = []
    for _, _, build in _SECTIONS:
        blocks.extend(build(session, services, user, locale))
    return blocks


# Every change to what a Home shows queues its own refresh (outbox.refresh_home), so an open only has
# to catch up with the clock ("待ち 3時間", due times). Slack sends app_home_opened on every switch
# to the tab; re-rendering each time would cost a person's queries and a rate-limited views.publish
# per click for labels that change by the hour.
OPEN_REFRESH_WINDOW_S = 30.0


class RecentOpens:
    """Who opened Home in this process within the last `window` seconds: their open is answered
    without touching the database (see OPEN_REFRESH_WINDOW_S)."""

    MAX_PEOPLE = 50_000  # pruned beyond this; a few bytes a person

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[str, float] = {}

    def seen_recently(self, user: str, now: float) -> bool:
        last = self._seen.get(user)
        return last is not None and 0 <= now - last < self.window

    def mark(self, user: str, now: float) -> None:
        if self.window <= 0:
            return
        if len(self._seen) >= self.MAX_PEOPLE:
            self._seen = {u: t for u, t in list(self._seen.items()) if now - t < self.window}
        self._seen[user] = now


def opened(session: Session, services: Services, user: str) -> None:
    """The person opened their Home tab: queue a refresh unless one is already waiting.

    Opening Home is frequent and its refresh coalesces: a repeat within the refresh window is
    answered from memory, and the pending check reads without the write lock, so a burst of opens
    costs one write, not one each. (Marked before the refresh is queued: should this request's
    transaction fail, the person's next open in the window refreshes nothing; any change will.)"""
    now = services.clock.now().timestamp()
    if services.recent_home_opens.seen_recently(user, now):
        return
    services.recent_home_opens.mark(user, now)
    with services.read_sessions() as reader:
        if outbox.home_refresh_pending(reader, user):
            return
    outbox.refresh_home(session, user)


def renderer(services: Services) -> Callable[[Session, dict[str, Any]], tuple[str, dict[str, Any]]]:
    def render(session: Session, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user = payload["user"]
        locale = services.locales.locale(user)
        name = services.locales.display_name(user)
        return "views.publish", {"user_id": user, "view": home_view(locale, name,
                                                                      sections(session, services, user, locale))}

    return render
