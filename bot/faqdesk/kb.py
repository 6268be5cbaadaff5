"""The knowledge base lives in the database; every change bumps one revision counter so each
replica knows to rebuild its index."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.faqdesk import vectors
from faq.data import default_kb_path
from faq.engine import FaqDoc
from faq.formats import load_docs
from models import FaqEntry, FaqRevision
from models.db import insert_ignore


def current_revision(session: Session) -> int:
    return int(session.scalar(select(FaqRevision.revision).where(FaqRevision.id == 1)) or 0)


def bump_revision(session: Session, now: datetime) -> None:
    if not insert_ignore(session, FaqRevision, {"id": 1, "revision": 1, "changed_at": now}):
        session.execute(update(FaqRevision).where(FaqRevision.id == 1)
                        .values(revision=FaqRevision.revision + 1, changed_at=now))


def entry_to_doc(entry: FaqEntry) -> FaqDoc:
    return FaqDoc(
        id=entry.id,
        question=entry.question,
        answer=entry.answer or "",
        variants=tuple(entry.variants or ()),
        department=entry.department,
        keywords=tuple(entry.keywords or ()),
        question_en=entry.question_en,
        answer_en=entry.answer_en,
        variants_en=tuple(entry.variants_en or ()),
    )


def docs(session: Session) -> list[FaqDoc]:
    rows = session.scalars(select(FaqEntry).where(FaqEntry.enabled.is_(True)).order_by(FaqEntry.id))
    return [entry_to_doc(e) for e in rows]


def upsert(session: Session, items: Iterable[FaqDoc], *, source: str, now: datetime,
           source_ticket_id: int | None = None) -> tuple[int, int]:
    """Insert or replace entries by id; returns (added, updated). Bumps the revision once, and stores the
    sentence vectors of the entries' English phrasings in the same transaction (encoded before the first
    write, so the model does not run while this transaction holds SQLite's write lock)."""
    added = updated = 0
    items = list(items)
    encoded = vectors.encode_missing(session, items)
    for doc in items:
        entry = session.get(FaqEntry, doc.id)
        if entry is None:
            entry = FaqEntry(id=doc.id, source=source, source_ticket_id=source_ticket_id, created_at=now)
            session.add(entry)
            added += 1
        else:
            updated += 1
        entry.department = doc.department
        entry.question = doc.question
        entry.answer = doc.answer
        entry.variants = list(doc.variants)
        entry.question_en = doc.question_en
        entry.answer_en = doc.answer_en
        entry.variants_en = list(doc.variants_en)
        entry.keywords = list(doc.keywords)
        entry.enabled = True
        entry.updated_at = now
    if added or updated:
        session.flush()
        vectors.save_encoded(session, encoded)
        bump_revision(session, now)
    return added, updated


def seed_default(session: Session, now: datetime) -> int:
    """Load the bundled KB into an empty knowledge base (first start); 0 when there is already one."""
    if session.scalar(select(func.count()).select_from(FaqEntry)):
        return 0
    added, _ = upsert(session, load_docs(default_kb_path()), source="default", now=now)
    return added
