"""`madoguchi db upgrade` on an empty database gives exactly the models' schema, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import models
from bot.migrate import alembic_config, current


def test_upgraded_schema_matches_the_models(clean_engine):
    with clean_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        differences = compare_metadata(context, models.Base.metadata)

    assert differences == []


def test_database_is_at_the_single_head(clean_engine):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()

    assert len(heads) == 1, f"migrations branch: {heads}"
    assert current(clean_engine) == heads[0]


def test_sqlite_runs_in_wal_with_normal_sync_and_a_busy_timeout(clean_engine):
    if clean_engine.dialect.name != "sqlite":
        return
    with clean_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_the_operator_is_warned_when_postgresql_will_not_vacuum(clean_engine):
    """With autovacuum off the outbox's and tickets' indexes fill with dead entries and every lookup slows
    day by day; `db upgrade` and the scheduler say so in one line. (This repository's CI server runs with
    autovacuum off, so on it the warning is what the test sees.)"""
    from bot.migrate import maintenance_warning

    warning = maintenance_warning(clean_engine)
    if clean_engine.dialect.name != "postgresql":
        assert warning is None
        return
    with clean_engine.connect() as conn:
        autovacuum = conn.exec_driver_sql("SHOW autovacuum").scalar()
    if autovacuum == "on":
        assert warning is None
    else:
        assert warning is not None and warning.startswith("PostgreSQL's autovacuum is off") and "\n" not in warning


def test_a_trail_written_before_0016_still_verifies_and_grows_after_it(clean_engine):
    """0016 lets events be sealed after they are written (bot/audit.py): an existing chain keeps its hashes,
    its places become its ids, and new events take ids after the last one."""
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from bot import audit
    from bot.migrate import upgrade
    from models import AuditEvent
    from models.db import make_session_factory

    at = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    cfg = alembic_config()
    with clean_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")
    previous = audit.GENESIS
    with clean_engine.begin() as conn:  # as the code before 0016 sealed them: id = place in the chain
        for n in (1, 2, 3):
            event = AuditEvent(id=n, seq=n, subject=f"ticket:{n}", actor_id="UEMPLOYEE1", action="ticket.submitted",
                               at=at, prev_hash=previous)
            previous = audit.digest(event)
            conn.execute(text("INSERT INTO audit_events (id, subject, actor_id, action, at, prev_hash, hash) "
                              "VALUES (:id, :subject, :actor, :action, :at, :prev, :hash)"),
                         {"id": n, "subject": event.subject, "actor": event.actor_id, "action": event.action,
                          "at": at, "prev": event.prev_hash, "hash": previous})
        conn.execute(text("INSERT INTO audit_head (id, last_event_id, last_hash) VALUES (1, 3, :hash)"),
                     {"hash": previous})

    upgrade(clean_engine)

    factory = make_session_factory(clean_engine)
    with factory() as session:
        assert audit.verify(session) is None
    with factory() as session, session.begin():
        audit.record(session, actor="UMANAGER1", action="step.approved", subject="step:1", at=at)
    with factory() as session:
        assert audit.verify(session) is None
        assert [(e.id, e.seq) for e in session.query(AuditEvent).order_by(AuditEvent.seq)] == [
            (1, 1), (2, 2), (3, 3), (4, 4)]
