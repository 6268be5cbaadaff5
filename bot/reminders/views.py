"""Reminder messages: pure builders from small view models to Block Kit.

One message per person or channel, however many items it carries (the point of the budget), within
Slack's limits: at most MAX_ITEMS items are listed, the rest are counted."""

from __future__ import annotations

from dataclasses import dataclass

from bot.approvals.views import decision_buttons
from bot.i18n import t
from bot.slack_ids import TicketAction
from bot.views.blocks import Block, actions, button, context, header, section

# 2 blocks per approval item + header, intro and footer stay under Slack's 50 blocks per message.
MAX_ITEMS = 20


@dataclass(frozen=True)
class StalledStep:
    step_id: int
    version: int
    ticket_number: str
    type_name: str
    title: str
    requester: str
    overdue_hours: float  # business hours past the SLA
    reminder_no: int  # this reminder's number for the step (1, 2, …)
    principal: str | None = None  # set when the reader stands in for this approver (代理)


@dataclass(frozen=True)
class EscalatedStep:
    ticket_number: str
    type_name: str
    # None for a confidential request: the manager or admin told may not be an authorised reader, so
    # the notice names only the number (not the type, the requester or the title).
    title: str | None
    requester: str
    approvers: str
    overdue_hours: float
    reminders: int
    skipped_to: str | None = None  # "skip" mode: who the request went to instead


@dataclass(frozen=True)
class OverdueTicket:
    number: str
    type_name: str
    title: str | None  # None for confidential tickets: nothing of their content in a channel
    overdue_hours: float
    ping_no: int


def hours(locale: str, value: float, *, day_hours: float) -> str:
    """Business time, worded honestly: under an hour as such, under a working day in whole hours, beyond
    in working days of the calendar's own length (`day_hours`, e.g. 9 for 09:00-18:00 without a break)."""
    day_hours = day_hours if day_hours > 0 else 8.0
    if value < 1:
        return t(locale, "reminders.under_hour")
    if value < day_hours:
        n = round(value)
        return t(locale, "reminders.hour_one" if n == 1 else "reminders.hours", n=n)
    days = value / day_hours
    n = round(days, 1) if days < 10 else round(days)
    n = int(n) if float(n).is_integer() else n
    return t(locale, "reminders.day_one" if n == 1 else "reminders.days", n=n)


def overdue(locale: str, value: float, *, day_hours: float) -> str:
    """How far past a deadline: "just overdue" under an hour (a step seconds late is not "1 hour" late)."""
    if value < 1:
        return t(locale, "reminders.overdue_just")
    return t(locale, "reminders.overdue_by", span=hours(locale, value, day_hours=day_hours))


def approver_bundle(locale: str, items: list[StalledStep], *, day_hours: float) -> tuple[str, list[Block]]:
    """The approver's reminder: every stalled request, each with its buttons."""
    text = t(locale, "reminders.approver.text", count=len(items))
    blocks: list[Block] = [header(t(locale, "reminders.approver.header", count=len(items))),
                           section(t(locale, "reminders.approver.intro"))]
    for item in items[:MAX_ITEMS]:
        line = t(locale, "reminders.approver.item", number=item.ticket_number, type=item.type_name,
                 requester=item.requester, title=item.title,
                 overdue=overdue(locale, item.overdue_hours, day_hours=day_hours), nth=item.reminder_no)
        if item.principal:
            line += "\n" + t(locale, "reminders.approver.as_delegate", principal=item.principal)
        blocks.append(section(line))
        blocks.append(decision_buttons(locale, item.step_id, item.version))
    if len(items) > MAX_ITEMS:
        blocks.append(context(t(locale, "reminders.more", count=len(items) - MAX_ITEMS)))
    blocks.append(context(t(locale, "reminders.approver.footer")))
    return text, blocks


def escalation_notice(locale: str, items: list[EscalatedStep], *, day_hours: float) -> tuple[str, list[Block]]:
    """To the manager or department admin: requests stuck with someone despite reminders."""
    text = t(locale, "reminders.escalation.text", count=len(items))
    blocks: list[Block] = [header(t(locale, "reminders.escalation.header", count=len(items))),
                           section(t(locale, "reminders.escalation.intro"))]
    lines = []
    for item in items[:MAX_ITEMS * 2]:
        late = overdue(locale, item.overdue_hours, day_hours=day_hours)
        key = "reminders.escalation.item_skipped" if item.skipped_to else "reminders.escalation.item"
        if item.title is None:
            lines.append(t(locale, f"{key}_confidential", number=item.ticket_number,
                           confidential=t(locale, "reminders.confidential_request"), approvers=item.approvers,
                           overdue=late, reminders=item.reminders,
                           next=item.skipped_to or ""))
            continue
        lines.append(t(locale, key, number=item.ticket_number, type=item.type_name, title=item.title,
                       requester=item.requester, approvers=item.approvers, overdue=late,
                       reminders=item.reminders, next=item.skipped_to or ""))
    blocks.extend(_sections(lines))
    if len(items) > MAX_ITEMS * 2:
        blocks.append(context(t(locale, "reminders.more", count=len(items) - MAX_ITEMS * 2)))
    return text, blocks


def triage_ping(locale: str, department: str, items: list[OverdueTicket], *, day_hours: float,
                ) -> tuple[str, list[Block]]:
    """One message in the triage channel listing its unclaimed tickets past first-response due."""
    text = t(locale, "reminders.triage.text", count=len(items), department=department)
    lines = [t(locale, "reminders.triage.item", number=i.number, type=i.type_name,
               title=i.title if i.title is not None else t(locale, "reminders.confidential"),
               overdue=overdue(locale, i.overdue_hours, day_hours=day_hours), nth=i.ping_no)
             for i in items[:MAX_ITEMS * 2]]
    blocks: list[Block] = [section(t(locale, "reminders.triage.intro", count=len(items), department=department))]
    blocks.extend(_sections(lines))
    if len(items) > MAX_ITEMS * 2:
        blocks.append(context(t(locale, "reminders.more", count=len(items) - MAX_ITEMS * 2)))
    return text, blocks


def hold_reminder(locale: str, *, ticket_id: int, number: str, type_name: str, title: str,
                  held_hours: float, day_hours: float) -> tuple[str, list[Block]]:
    """The requester's one reminder of an unanswered hold question, with the same 回答する button as the
    question itself (a reply typed in the DM thread is not read as the answer)."""
    held = hours(locale, held_hours, day_hours=day_hours)
    text = t(locale, "reminders.hold.text", number=number, type=type_name, title=title, held=held)
    answer = t(locale, "tickets.buttons.answer")
    return text, [section(text),
                  actions(button(answer, TicketAction.ANSWER, str(ticket_id), style="primary"),
                          block_id=f"hold_reminder:{ticket_id}"),
                  context(t(locale, "reminders.hold.hint", button=answer))]


def status_line(locale: str, reminders: int, escalated_to: str | None, skipped: bool = False) -> str:
    """What the requester sees next to a waiting step: "reminded ×2, escalated to 佐藤 健"."""
    parts = []
    if reminders:
        parts.append(t(locale, "reminders.status.reminded", n=reminders))
    if escalated_to:
        parts.append(t(locale, "reminders.status.skipped_to" if skipped else "reminders.status.escalated",
                       who=escalated_to))
    return t(locale, "reminders.status.separator").join(parts)


def _sections(lines: list[str]) -> list[Block]:
    """Pack lines into sections of at most 3,000 characters each (Slack's section text limit)."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > 2900:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks
