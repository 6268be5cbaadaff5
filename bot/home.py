"""App Home rendering: gathers what one person should see and hands it to the view builder.

Rendered at delivery time by the outbox (see outbox.refresh_home), so bursts of changes become
one views.publish showing the latest state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from bot.views.blocks import Block
from bot.views.home import home_view

SectionBuilder = Callable[[Session, str, str], list[Block]]
_SECTIONS: list[SectionBuilder] = []


def add_section(builder: SectionBuilder) -> SectionBuilder:
    """Features contribute Home sections (my requests, approvals, queue…) without touching this file."""
    _SECTIONS.append(builder)
    return builder


def renderer(services: Any) -> Callable[[Session, dict[str, Any]], tuple[str, dict[str, Any]]]:
    def render(session: Session, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user = payload["user"]
        locale = services.locales.locale(user)
        name = services.locales.display_name(user)
        sections: list[Block] = []
        for build in _SECTIONS:
            sections.extend(build(session, user, locale))
        return "views.publish", {"user_id": user, "view": home_view(locale, name, sections)}

    return render
