"""The knowledge base lives in the database; every change bumps one revision counter so each
replica knows to rebuild its index."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

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
           source_ticket_id: int | None = None,
           encoded: vectors.Encoded | None = None) -> tuple[int, int]:
    """Insert or replace entries by id; returns (added, updated). Bumps the revision once, and stores the
    sentence vectors of the entries' English phrasings in the same transaction (encoded before the first
    write, so the model does not run while this transaction holds SQLite's write lock; `encoded`: the
    result of `vectors.encode_missing` when the caller already ran it in another transaction)."""
    added = updated = 0
    items = list(items)
    if encoded is None:
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


# pg_advisory_xact_lock key ("madoguchi faq seed"): held by the one worker seeding the empty KB.
SEED_LOCK_KEY = 0x6D61_646F_6661_7173


def _has_entries(session: Session) -> bool:
    return session.scalar(select(FaqEntry.id).limit(1)) is not None


def _serialise_seeding(session: Session) -> None:
    """Only one transaction at a time gets past this point until it ends.

    PostgreSQL: a transaction-scoped advisory lock (released by commit or rollback). SQLite: nothing to
    do, every writer session already began with BEGIN IMMEDIATE (models.db) and holds the write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEED_LOCK_KEY})


def seed_default(write: sessionmaker[Session], now: datetime, *, read: sessionmaker[Session] | None = None) -> int:
    """Load the bundled KB into an empty knowledge base (first start); 0 when there is already one.

    Several workers (processes, replicas) may start at once on an empty database: the KB is looked at
    and its vectors encoded outside any lock, then seeding is serialised and the emptiness checked
    again, so exactly one of them loads it and the others find it loaded (read committed on
    PostgreSQL: the statement after the lock sees the winner's commit)."""
    read = read or write
    with read() as session, session.begin():
        if _has_entries(session):
            return 0
        items = list(load_docs(default_kb_path()))
        encoded = vectors.encode_missing(session, items)
    with write() as session, session.begin():
        _serialise_seeding(session)
        if _has_entries(session):
            return 0
        added, _ = upsert(session, items, source="default", now=now, encoded=encoded)
        return added
