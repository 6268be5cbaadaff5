"""What the outbox renders at delivery time, installed the same way in every process.

`madoguchi serve` and `madoguchi scheduler` (Procfile `worker`) both run an outbox dispatcher, and
either may be the one that delivers a message the other enqueued: a reminder sweep in the worker
refreshes the approver's App Home, a click in the web process does too. A renderer registered only
by a Slack handler would leave a scheduler-only process dead-lettering those refreshes, and a Home
rendered without every feature's section module imported would be missing sections. So
`build_services` — the composition root both processes share — calls `install` once.

Adding a Home section: decorate its builder with `bot.home.add_section` and list its module in
HOME_SECTIONS (tests/service/test_outbox_renderers.py fails while a module with sections is unlisted).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from bot import home, outbox

if TYPE_CHECKING:
    from bot.services import Services

# Every module whose import registers App Home sections (`@add_section`); order on the Home comes
# from each section's `order`, not from this list.
HOME_SECTIONS = (
    "bot.approvals.home",  # awaiting my decision, my delegations, approvals in flight for admins
    "bot.tickets.home",  # my requests; the department queue for agents
    "bot.reminders.status",  # reminded ×2, escalated to …
    "bot.digest.home",  # this week's numbers for admins
)


def install(services: Services) -> None:
    for module in HOME_SECTIONS:
        importlib.import_module(module)
    services.dispatcher.register_renderer(outbox.HOME_REFRESH, home.renderer(services))
