"""Keeping a request's receipts and invoices (電子取引データの保存): the files in the evidence store, and the
record a tax officer searches them by, in the ticket's transaction.

A record is never changed: a correction (a resubmission after 差戻し) that changes the record's fields or its
files makes a new version pointing at the one it replaces. Each version, with its files' sha256, is an event
in the audit chain, so `madoguchi audit verify` covers the evidence too."""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.config.catalog import ReceiptSpec, RequestType
from bot.config.evidence import EvidenceConfig
from bot.receipts import registry
from bot.receipts.attachments import Fetches, file_fields
from bot.receipts.registry import Registration
from models import ReceiptCounterparty, ReceiptFile, ReceiptRecord, Ticket
from models.db import insert_ignore

if TYPE_CHECKING:
    from bot.services import Services

RECORDED = "receipt.recorded"


def counterparty_key(text: str) -> str:
    """How a counterparty is compared in a search: NFKC (full-width letters and digits, half-width kana
    folded), case-folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def fiscal_year_end(day: date, end_month: int) -> date:
    year = day.year if day.month <= end_month else day.year + 1
    return date(year, end_month, calendar.monthrange(year, end_month)[1])


def retain_until(transaction: date, entered: date, config: EvidenceConfig) -> date:
    """The end of the fiscal year the record belongs to (the later of its transaction's and its entry's, so a
    late entry is not kept shorter), plus the retention years."""
    end = fiscal_year_end(max(transaction, entered), config.fiscal_year_end_month)
    year = end.year + config.retention_years
    return date(year, end.month, calendar.monthrange(year, end.month)[1])


def latest(session: Session, ticket_id: int) -> ReceiptRecord | None:
    return session.scalar(select(ReceiptRecord).where(ReceiptRecord.ticket_id == ticket_id)
                          .order_by(ReceiptRecord.version.desc()).limit(1))


def files_of(session: Session, record_id: int) -> list[ReceiptFile]:
    return list(session.scalars(select(ReceiptFile).where(ReceiptFile.record_id == record_id)
                                .order_by(ReceiptFile.position)))


def keep(session: Session, services: Services, ticket: Ticket, rt: RequestType, values: dict[str, Any],
         fetched: Fetches, actor: str, registration: Registration | None = None) -> ReceiptRecord | None:
    """Store the newly fetched files and, when the type keeps a receipt record and files are attached, the
    record's next version (None when nothing about it changed, or the type keeps none). The registry's answer
    about its 登録番号, when one was asked (bot/receipts/registry.py), goes into the audit chain beside it."""
    now = services.clock.now()
    for got in fetched.values():
        services.evidence.put(session, got.data, now)
    spec = rt.receipt
    if spec is None or not values.get(spec.files):
        return None
    fields = record_fields(spec, values)
    files = [f for f in values.get(spec.files) or [] if f.get("sha256")]
    previous = latest(session, ticket.id)
    if previous is not None and _same(session, previous, fields, files):
        return None
    today = now.astimezone(services.calendar.tz).date()
    config = services.config.evidence
    record = ReceiptRecord(
        ticket_id=ticket.id, version=previous.version + 1 if previous else 1,
        previous_id=previous.id if previous else None, **fields, entered_at=now, entered_by=actor,
        late=(today - fields["transaction_date"]).days > config.late_after_days,
        retain_until=retain_until(fields["transaction_date"], today, config),
    )
    session.add(record)
    insert_ignore(session, ReceiptCounterparty, {"key": record.counterparty_key, "name": record.counterparty})
    session.flush()
    for position, f in enumerate(files, start=1):
        session.add(ReceiptFile(record_id=record.id, position=position, sha256=f["sha256"], name=str(f["name"]),
                                mimetype=str(f.get("mimetype") or ""), size=int(f["size"]),
                                slack_file_id=f.get("id")))
    session.flush()
    audit.record(session, actor=actor, action=RECORDED, subject=f"receipt:{record.id}", ticket_id=ticket.id,
                 at=now, after=describe(record, files))
    if registration is not None:
        registry.record(session, services, ticket.id, registration, actor)
    return record


def record_fields(spec: ReceiptSpec, values: dict[str, Any]) -> dict[str, Any]:
    counterparty = str(values[spec.counterparty]).strip()
    rates = {rate: int(values[key]) for rate, key in spec.amount_by_rate.items() if values.get(key) is not None}
    return {
        "kind": str(values.get(spec.kind_field) or spec.kind) if spec.kind_field else spec.kind,
        "transaction_date": date.fromisoformat(str(values[spec.date])),
        "amount": int(values[spec.amount]),
        "amounts_by_rate": rates or None,
        "counterparty": counterparty,
        "counterparty_key": counterparty_key(counterparty),
        "invoice_number": values.get(spec.invoice_number) if spec.invoice_number else None,
    }


def describe(record: ReceiptRecord, files: list[dict[str, Any]]) -> dict[str, Any]:
    """The record as the audit chain keeps it: every searched field, and each file's name, size and sha256."""
    return {
        "record": record.id, "version": record.version, "previous": record.previous_id, "kind": record.kind,
        "transaction_date": record.transaction_date.isoformat(), "amount": record.amount,
        "amounts_by_rate": record.amounts_by_rate, "counterparty": record.counterparty,
        "invoice_number": record.invoice_number, "late": record.late,
        "retain_until": record.retain_until.isoformat(),
        "files": [{"name": f["name"], "size": int(f["size"]), "sha256": f["sha256"]} for f in files],
    }


def _same(session: Session, previous: ReceiptRecord, fields: dict[str, Any], files: list[dict[str, Any]]) -> bool:
    if any(getattr(previous, key) != value for key, value in fields.items()):
        return False
    kept = [(f.sha256, f.name) for f in files_of(session, previous.id)]
    return kept == [(f["sha256"], str(f["name"])) for f in files]



def attached(rt: RequestType, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The kept files the form's values name (those fetched and stored: with a sha256), in form order."""
    return [f for key in file_fields(rt) for f in values.get(key) or [] if isinstance(f, dict) and f.get("sha256")]
