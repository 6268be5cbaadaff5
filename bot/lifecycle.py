"""Where other features plug into a ticket's life without intake knowing them.

`Services.lifecycle` holds one `Hooks`; the composition root fills it with the approval flow
(bot/composition.py APPROVAL_HOOKS), and the defaults below mean "no approvals":

- `start_approval(session, services, ticket, actor) -> bool` — called right after a submission;
  True when the ticket now waits for approval (it moved to pending_approval), False to hand it
  straight to the department's desk.
- `resume_approval(session, services, ticket, actor, changes)` — after the requester resubmits a
  sent-back ticket; `changes` is {field: {"before": …, "after": …}}.
- `cancel_approval(session, services, ticket, actor)` — the requester withdrew; open steps end.
- `waiting_on(session, services, ticket, locale) -> str | None` — for a ticket pending approval, who
  has it since when and what reminders did, as one line of its summary (None: nothing to say).

After the final approval the approvals side calls `bot.tickets.submit.route_to_triage(...)`. Every hook runs
inside the caller's transaction and must only write through the session and the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from models import Ticket

# The defaults ignore `services` (the container that holds them, typed `object` here so this module
# does not depend on it).


def _no_approval(session: Session, services: object, ticket: Ticket, actor: str) -> bool:
    return False


def _nothing_to_resume(session: Session, services: object, ticket: Ticket, actor: str,
                       changes: dict[str, Any]) -> None:
    return None


def _nothing_to_cancel(session: Session, services: object, ticket: Ticket, actor: str) -> None:
    return None


def _waits_on_nobody(session: Session, services: object, ticket: Ticket, locale: str) -> str | None:
    return None


@dataclass
class Hooks:
    start_approval: Callable[..., bool] = _no_approval
    resume_approval: Callable[..., None] = _nothing_to_resume
    cancel_approval: Callable[..., None] = _nothing_to_cancel
    waiting_on: Callable[..., str | None] = _waits_on_nobody

