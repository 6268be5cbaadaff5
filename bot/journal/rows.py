"""Which approved requests go to accounting, as journal rows: the domain half of `export journal`.

A request counts once its approval chain approved it (the audit trail's `ticket.approved`), whatever the desk
did with it since; its row's day is the form's 発生日 (the type's `journal.date`), else the day it was approved.
Each request is handed over once: `mark` records it (journal_exports), and the next export of the same days
leaves it out unless asked (`again`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.config import WorkspaceConfig
from bot.config.journal import JournalSpec
from bot.i18n.numbers import parse_amount
from models import AuditEvent, JournalExport, Ticket
from models.db import insert_ignore


@dataclass(frozen=True)
class JournalRow:
    ticket_id: int
    number: str  # the request's number: on every row, so accounting can find the request
    day: date  # 発生日 / 取引日
    account: str  # 借方勘定科目
    credit: str  # 貸方勘定科目
    tax: dict[str, str]  # 税区分 per format
    amount: int  # 税込, yen
    partner: str  # 取引先 ("" when the form has none)
    memo: str  # 摘要 / 備考, without the number
    due: date | None  # 決済期日
    department: str  # the request's department key
    approved_at: datetime
    exported_before: bool


def approved_rows(session: Session, config: WorkspaceConfig, start: date, end: date, *,
                  again: bool = False) -> list[JournalRow]:
    """The approved requests of journal types whose day falls in [start, end], in day and number order;
    those already exported only with `again`."""
    specs = {rt.key: rt.journal for rt in config.request_types if rt.journal is not None}
    if not specs:
        return []
    tz = ZoneInfo(config.calendar.timezone)
    exported = set(session.scalars(select(JournalExport.ticket_id)))
    found = session.execute(
        select(Ticket, AuditEvent.at).join(AuditEvent, AuditEvent.ticket_id == Ticket.id)
        .where(AuditEvent.action == "ticket.approved", Ticket.request_type.in_(specs))
        .order_by(Ticket.id, AuditEvent.at)).all()
    rows: dict[int, JournalRow] = {}
    for ticket, approved_at in found:
        if ticket.id in rows or (ticket.id in exported and not again):
            continue
        row = _row(ticket, specs[ticket.request_type], approved_at, tz, ticket.id in exported)
        if row is not None and start <= row.day <= end:
            rows[ticket.id] = row
    return sorted(rows.values(), key=lambda r: (r.day, r.number))


def _row(ticket: Ticket, spec: JournalSpec, approved_at: datetime, tz: ZoneInfo, exported: bool) -> JournalRow | None:
    fields = ticket.fields or {}
    amount = parse_amount(fields.get(spec.amount))
    if amount is None:
        return None  # nothing to book (the form left the amount empty)
    memo = " ".join(str(fields[k]).strip() for k in spec.memo if fields.get(k) not in (None, ""))
    return JournalRow(
        ticket_id=ticket.id, number=ticket.number,
        day=_day(fields.get(spec.date)) or approved_at.astimezone(tz).date(),
        account=spec.debit_account(fields), credit=spec.credit, tax=dict(spec.tax), amount=int(amount),
        partner=str(fields.get(spec.partner) or "").strip() if spec.partner else "",
        memo=" ".join(memo.split()), due=_day(fields.get(spec.due)) if spec.due else None,
        department=ticket.department, approved_at=approved_at, exported_before=exported)


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def mark(session: Session, rows: list[JournalRow], *, fmt: str, by: str, at: datetime) -> int:
    """Record the rows as handed over (the first export of each stays the one recorded), with one audit
    event for the export; how many were new."""
    new = sum(insert_ignore(session, JournalExport, {"ticket_id": r.ticket_id, "exported_at": at, "format": fmt,
                                                     "exported_by": by[:100]}) for r in rows)
    audit.record(session, actor="system", action="journal.exported", subject="journal",
                 after={"format": fmt, "by": by[:100], "rows": len(rows), "new": new,
                        "numbers": [r.number for r in rows]}, at=at)
    return new
