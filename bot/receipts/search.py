"""Searching receipt records as 電子帳簿保存法 asks (可視性): by 取引年月日 and 取引金額 as ranges, by 取引先,
and in any combination; here also by 登録番号, 書類区分 and ticket number. The newest version of each record
by default; every version with `all_versions`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session, aliased

from bot.receipts.records import counterparty_key
from models import ReceiptCounterparty, ReceiptFile, ReceiptRecord, Ticket

DEFAULT_LIMIT = 100  # a page; `receipts export` is the whole answer


@dataclass(frozen=True)
class Criteria:
    date_from: date | None = None
    date_to: date | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    counterparty: str | None = None  # a part of the name, compared as counterparty_key() folds it
    invoice_number: str | None = None
    kind: str | None = None
    ticket: str | None = None  # a ticket number, e.g. FIN-0042
    all_versions: bool = False

    def problems(self) -> list[str]:
        found = []
        if self.date_from and self.date_to and self.date_from > self.date_to:
            found.append("the date range ends before it starts")
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            found.append("the amount range ends below its start")
        return found


@dataclass(frozen=True)
class FoundFile:
    name: str
    size: int
    sha256: str
    mimetype: str


@dataclass(frozen=True)
class Found:
    record_id: int
    ticket_id: int
    ticket_number: str
    version: int
    previous_id: int | None
    kind: str
    transaction_date: date
    amount: int
    amounts_by_rate: dict[str, Any] | None
    counterparty: str
    invoice_number: str | None
    late: bool
    retain_until: date
    entered_by: str
    files: list[FoundFile] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record_id, "ticket": self.ticket_number, "version": self.version,
            "previous": self.previous_id, "kind": self.kind, "transaction_date": self.transaction_date.isoformat(),
            "amount": self.amount, "amounts_by_rate": self.amounts_by_rate, "counterparty": self.counterparty,
            "invoice_number": self.invoice_number, "late": self.late, "retain_until": self.retain_until.isoformat(),
            "entered_by": self.entered_by,
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256, "mimetype": f.mimetype} for f in self.files],
        }


def query(criteria: Criteria) -> Select[Any]:
    """The matching records' ids, oldest transaction first. Ids only: with an amount or a date range the index
    answers it alone, and the records (and their tickets) are read for the page that is shown, not for every
    match a sort has to see."""
    r = ReceiptRecord
    conditions = []
    if criteria.date_from:
        conditions.append(r.transaction_date >= criteria.date_from)
    if criteria.date_to:
        conditions.append(r.transaction_date <= criteria.date_to)
    if criteria.amount_min is not None:
        conditions.append(r.amount >= criteria.amount_min)
    if criteria.amount_max is not None:
        conditions.append(r.amount <= criteria.amount_max)
    if criteria.counterparty and (key := counterparty_key(criteria.counterparty)):
        # The part is matched against each counterparty once (a short list), the records then by their index.
        names = select(ReceiptCounterparty.key).where(ReceiptCounterparty.key.contains(key, autoescape=True))
        conditions.append(r.counterparty_key.in_(names))
    if criteria.invoice_number:
        conditions.append(r.invoice_number == criteria.invoice_number.strip().upper())
    if criteria.kind:
        conditions.append(r.kind == criteria.kind)
    if criteria.ticket:
        conditions.append(r.ticket_id.in_(select(Ticket.id).where(Ticket.number == criteria.ticket.strip().upper())))
    if not criteria.all_versions:
        newer = aliased(ReceiptRecord)
        conditions.append(~exists().where(newer.previous_id == r.id))
    return select(r.id).where(and_(*conditions)).order_by(r.transaction_date, r.id)


CHUNK = 500


def search(session: Session, criteria: Criteria, *, limit: int = DEFAULT_LIMIT) -> list[Found]:
    """Matching records, oldest transaction first, each with its files in the order attached."""
    ids = list(session.scalars(query(criteria).limit(limit)))
    records: dict[int, ReceiptRecord] = {}
    files: dict[int, list[FoundFile]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        records.update((x.id, x) for x in session.scalars(select(ReceiptRecord).where(ReceiptRecord.id.in_(chunk))))
        for f in session.scalars(select(ReceiptFile).where(ReceiptFile.record_id.in_(chunk))
                                 .order_by(ReceiptFile.record_id, ReceiptFile.position)):
            files.setdefault(f.record_id, []).append(FoundFile(f.name, f.size, f.sha256, f.mimetype))
    tickets = sorted({x.ticket_id for x in records.values()})
    numbers: dict[int, str] = {}
    for start in range(0, len(tickets), CHUNK):
        # A Result is not a mapping: dict.update() would take its keys() for column names.
        numbers.update({row.id: row.number for row in session.execute(
            select(Ticket.id, Ticket.number).where(Ticket.id.in_(tickets[start:start + CHUNK])))})
    found = []
    for record_id in ids:
        record = records[record_id]
        found.append(Found(
            record_id=record.id, ticket_id=record.ticket_id, ticket_number=numbers.get(record.ticket_id, ""),
            version=record.version, previous_id=record.previous_id, kind=record.kind,
            transaction_date=record.transaction_date, amount=record.amount, amounts_by_rate=record.amounts_by_rate,
            counterparty=record.counterparty, invoice_number=record.invoice_number, late=record.late,
            retain_until=record.retain_until, entered_by=record.entered_by, files=files.get(record.id, [])))
    return found
