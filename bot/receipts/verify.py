"""The evidence side of `madoguchi audit verify`: every receipt record against the audit event that recorded it
(its fields and its files' sha256), and every kept file against its hash. The chain itself proves the events
untouched; this proves the records and the bytes still say what the events say."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.receipts.records import RECORDED, describe
from bot.receipts.storage import EvidenceStore
from models import ReceiptFile, ReceiptRecord, Ticket


@dataclass(frozen=True)
class EvidenceProblem:
    ticket: str
    record_id: int
    name: str  # the file's name, or "record" for the record's own fields
    problem: str

    def line(self) -> str:
        return f"{self.ticket} receipt record {self.record_id}: {self.name}: {self.problem}"


def check(session: Session, store: EvidenceStore, batch: int = 500) -> list[EvidenceProblem]:
    recorded = {e.after["record"]: e.after for e in audit.events(session, action=RECORDED)
                if isinstance(e.after, dict) and "record" in e.after}
    problems: list[EvidenceProblem] = []
    checked: dict[str, str | None] = {}
    after = 0
    while True:
        rows = session.execute(select(ReceiptRecord, Ticket.number).join(Ticket, Ticket.id == ReceiptRecord.ticket_id)
                               .where(ReceiptRecord.id > after).order_by(ReceiptRecord.id).limit(batch)).all()
        if not rows:
            return problems
        for record, number in rows:
            files = list(session.scalars(select(ReceiptFile).where(ReceiptFile.record_id == record.id)
                                         .order_by(ReceiptFile.position)))
            event = recorded.get(record.id)
            now = describe(record, [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files])
            if event is None:
                problems.append(EvidenceProblem(number, record.id, "record", "not in the audit trail"))
            elif event != now:
                changed = sorted(k for k in now if now[k] != event.get(k))
                problems.append(EvidenceProblem(number, record.id, "record",
                                                f"differs from its audit event ({', '.join(changed)})"))
            for f in files:
                if f.sha256 not in checked:
                    checked[f.sha256] = store.check(session, f.sha256)
                if checked[f.sha256] is not None:
                    problems.append(EvidenceProblem(number, record.id, f.name, f"file {checked[f.sha256]}"))
            after = record.id
        session.expunge_all()
