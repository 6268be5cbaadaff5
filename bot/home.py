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


def opened(session: Session, services: Services, user: str) -> None:
    """The person opened their Home tab: queue a refresh unless one is already waiting.

    Opening Home is frequent and its refresh coalesces: the check reads without the write lock, so a
    burst of opens costs one write, not one each."""
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
