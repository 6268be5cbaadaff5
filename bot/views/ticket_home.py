"""App Home sections of the desk: the requester's own requests, and the agent's queue."""

from __future__ import annotations

from bot.i18n import t
from bot.views.blocks import Block, context, divider, header, section
from bot.views.ticket_card import status_text
from bot.views.ticket_facts import TicketFacts


def _line(f: TicketFacts, locale: str, *, show_requester: bool = False) -> str:
    title = t(locale, "tickets.card.confidential_short") if f.confidential and show_requester else f.title
    line = f"*{f.number}* {f.emoji} {f.type_name} — {title}\n{status_text(locale, f.status)}"
    if f.assignee_id:
        line += f" · <@{f.assignee_id}>"
    if f.waiting_on and not show_requester:
        line += f"\n{f.waiting_on}"
    if f.resolution_due and f.status not in ("resolved", "closed", "withdrawn", "rejected"):
        line += " · " + t(locale, "tickets.home.due", due=f.resolution_due)
    if show_requester and not f.confidential:
        line += f" · <@{f.requester_id}>"
    return line


def my_requests(items: list[TicketFacts], locale: str, *, more: int) -> list[Block]:
    if not items:
        return []
    blocks: list[Block] = [divider(), header(t(locale, "tickets.home.mine"))]
    blocks.extend(section(_line(f, locale)) for f in items)
    if more:
        blocks.append(context(t(locale, "tickets.home.more", count=more)))
    return blocks


def queue(unclaimed: list[TicketFacts], mine: list[TicketFacts], locale: str, *, unclaimed_total: int,
          ) -> list[Block]:
    if not unclaimed and not mine:
        return []
    blocks: list[Block] = [divider(), header(t(locale, "tickets.home.queue"))]
    if mine:
        blocks.append(context(t(locale, "tickets.home.assigned", count=len(mine))))
        blocks.extend(section(_line(f, locale, show_requester=True)) for f in mine)
    if unclaimed:
        blocks.append(context(t(locale, "tickets.home.unclaimed", count=unclaimed_total)))
        blocks.extend(section(_line(f, locale, show_requester=True)) for f in unclaimed)
    return blocks
