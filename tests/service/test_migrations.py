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
