"""App Home sections of the desk: the requester's own requests, and the agent's queue — per department
they work: unclaimed (oldest first), on hold (whoever holds it), and near or past its SLA."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from bot.i18n import t
from bot.reminders.views import hours
from bot.slack_ids import TicketAction
from bot.tickets.card_view import status_text, who
from bot.tickets.facts_view import TicketFacts
from bot.views.blocks import Block, button, context, divider, header, section

# A Home view holds 100 blocks, shared by every section; the queue never takes more than this many.
QUEUE_BLOCKS = 40


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


def my_requests(items: list[TicketFacts], locale: str, *, more: int, heading: bool = True) -> list[Block]:
    """The person's open requests, a line each; `heading`: under App Home's divider and title."""
    if not items:
        return []
    blocks: list[Block] = [divider(), header(t(locale, "tickets.home.mine"))] if heading else []
    blocks.extend(section(_line(f, locale)) for f in items)
    if more:
        blocks.append(context(t(locale, "tickets.home.more", count=more)))
    return blocks


@dataclass(frozen=True)
class QueueRow:
    """One ticket in a department's queue, with what its group says about it."""

    facts: TicketFacts
    age_hours: float | None = None  # unclaimed: business hours since it arrived
    held_since: str | None = None  # on hold: local time the question went to the requester
    due_kind: str | None = None  # near breach: "first_response" or "resolution"
    due_at: str | None = None
    due_in_hours: float | None = None  # business hours left; negative once past


@dataclass(frozen=True)
class Group:
    rows: list[QueueRow] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class DepartmentQueue:
    name: str
    unclaimed: Group
    on_hold: Group
    near_breach: Group
    horizon_hours: float  # "near" means due within this many business hours
    day_hours: float = 8.0  # the calendar's working day, for wording hours as days (Calendar.working_day_hours)


def _title(f: TicketFacts, locale: str) -> str:
    """The row's first line; a confidential ticket shows 🔒 and neither its title nor its requester."""
    if f.confidential:
        return f"*{f.number}* {f.emoji} {f.type_name} — {t(locale, 'tickets.card.confidential_short')}"
    return f"*{f.number}* {f.emoji} {f.type_name} — {f.title} · <@{f.requester_id}>"


def _unclaimed_detail(row: QueueRow, locale: str, *, day_hours: float) -> str:
    parts = [t(locale, "tickets.home.age", age=hours(locale, row.age_hours or 0, day_hours=day_hours))]
    if row.facts.first_response_due:
        parts.append(t(locale, "tickets.home.first_due", due=row.facts.first_response_due))
    return " · ".join(parts)


def _hold_detail(row: QueueRow, locale: str) -> str:
    return t(locale, "tickets.home.held", who=who(row.facts.assignee_id, locale), since=row.held_since or "—")


def _breach_detail(row: QueueRow, locale: str, *, day_hours: float) -> str:
    left = row.due_in_hours or 0.0
    state = "over" if left <= 0 else "in"
    line = t(locale, f"tickets.home.breach_{row.due_kind}_{state}", due=row.due_at or "—",
             left=hours(locale, abs(left), day_hours=day_hours))
    return f"{line} · {who(row.facts.assignee_id, locale)}"


def _row(row: QueueRow, detail: str, locale: str) -> Block:
    return section(f"{_title(row.facts, locale)}\n{detail}",
                   accessory=button(t(locale, "tickets.buttons.details"), TicketAction.DETAILS, str(row.facts.id)))


def _group(label: str, group: Group, describe: Callable[[QueueRow, str], str], locale: str) -> list[Block]:
    if not group.total:
        return []
    blocks: list[Block] = [context(label)]
    blocks.extend(_row(r, describe(r, locale), locale) for r in group.rows)
    if group.total > len(group.rows):
        blocks.append(context(t(locale, "tickets.home.more", count=group.total - len(group.rows))))
    return blocks


def queue(mine: list[TicketFacts], departments: list[DepartmentQueue], locale: str) -> list[Block]:
    """What the agent holds, then each department's queue in three groups; within QUEUE_BLOCKS."""
    if not mine and not departments:
        return []
    blocks: list[Block] = [divider(), header(t(locale, "tickets.home.queue"))]
    if mine:
        blocks.append(context(t(locale, "tickets.home.assigned", count=len(mine))))
        blocks.extend(section(_line(f, locale, show_requester=True)) for f in mine)
    for dept in departments:
        blocks.append(section(f"*{dept.name}*"))
        groups = [
            _group(t(locale, "tickets.home.unclaimed", count=dept.unclaimed.total), dept.unclaimed,
                   partial(_unclaimed_detail, day_hours=dept.day_hours), locale),
            _group(t(locale, "tickets.home.on_hold", count=dept.on_hold.total), dept.on_hold, _hold_detail, locale),
            _group(t(locale, "tickets.home.near_breach", count=dept.near_breach.total,
                     hours=hours(locale, dept.horizon_hours, day_hours=dept.day_hours)), dept.near_breach,
                   partial(_breach_detail, day_hours=dept.day_hours), locale),
        ]
        if not any(groups):
            blocks.append(context(t(locale, "tickets.home.nothing_waiting")))
        for group in groups:
            blocks.extend(group)
    if len(blocks) > QUEUE_BLOCKS:  # many departments: the rest is in their triage channels
        blocks = [*blocks[:QUEUE_BLOCKS - 1], context(t(locale, "tickets.home.truncated"))]
    return blocks
