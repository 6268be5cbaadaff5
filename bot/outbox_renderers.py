"""What the outbox renders at delivery time, installed the same way in every process.

`madoguchi serve` and `madoguchi scheduler` (Procfile `worker`) both run an outbox dispatcher, and
either may be the one that delivers a message the other enqueued: a reminder sweep in the worker
refreshes the approver's App Home, a click in the web process does too. A renderer registered only
by a Slack handler would leave a scheduler-only process dead-lettering those refreshes, and a Home
rendered by a process that never imported some feature would be missing sections. So
`build_services` — the composition root both processes share — calls `install` once, and every
section is named in HOME_SECTIONS below, not found by importing modules.

Adding a Home section: write `build(session, services, user, locale) -> list[Block]` in the feature's
home module and put it in HOME_SECTIONS where it should stand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import home, outbox
from bot.approvals import home as approvals_home
from bot.digest import home as digest_home
from bot.receipts import home as receipts_home
from bot.reminders import status as reminder_status
from bot.tickets import home as tickets_home

if TYPE_CHECKING:
    from bot.services import Services

# App Home, top to bottom: what the person must act on first, numbers and settings last.
HOME_SECTIONS: tuple[home.SectionBuilder, ...] = (
    approvals_home.awaiting_me,  # steps awaiting my decision
    tickets_home.my_requests,
    tickets_home.agent_queue,  # the department queue, for agents
    reminder_status.home_section,  # my requests reminders touched: reminded ×2, escalated to …
    digest_home.admin_section,  # this week's numbers, for admins
    receipts_home.search_section,  # the receipt search, for finance agents and auditors
    approvals_home.my_delegation,
    approvals_home.approvals_in_flight,  # for admins
)


def install(services: Services) -> None:
    services.dispatcher.register_renderer(outbox.HOME_REFRESH, home.renderer(services, HOME_SECTIONS))
