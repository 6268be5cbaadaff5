"""Home sections are called with (session, user, locale); the few that need the composition root
(names, calendar, config) find it here by the session's connection pool — one Services per database,
so two apps in one process (tests, the playground) each get their own. The pool, not the engine: the
outbox renders in a read-only session bound to `engine.execution_options(...)`, a different Engine
object sharing the same pool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from bot.services import Services

_BY_POOL: dict[Any, Services] = {}


def remember(services: Services) -> None:
    _BY_POOL[services.engine.pool] = services


def services_for(session: Session) -> Services | None:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    return _BY_POOL.get(getattr(engine, "pool", None))
