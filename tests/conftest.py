"""Shared fixtures.

- `db_url` / `engine`: a migrated database per backend (SQLite and, when configured, PostgreSQL);
  tests using them run once per backend.
- `session`: a Session inside a transaction rolled back after the test (SQLAlchemy's
  join_transaction_mode="create_savepoint" recipe), so service code may commit freely.
- `clean_engine`: an empty migrated database for tests that need many connections (wiring tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.migrate import upgrade
from models.db import make_engine
from tests.dbs import SqliteTemplate, backends, postgres_url, throwaway_postgres, truncate_all


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[str]:
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL not configured (set MADOGUCHI_TEST_POSTGRES_URL)")
    with throwaway_postgres(url) as db_url:
        engine = make_engine(db_url)
        upgrade(engine)
        engine.dispose()
        yield db_url


@pytest.fixture(scope="session")
def postgres_engine(postgres_db: str) -> Iterator[Engine]:
    engine = make_engine(postgres_db)
    yield engine
    engine.dispose()


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clean_engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: SqliteTemplate) -> Iterator[Engine]:
    """An empty, migrated database of this backend that the test may use from many threads."""
    if backend == "sqlite":
        engine = make_engine(sqlite_template.fresh_url(tmp_path))
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    truncate_all(engine)
    yield engine


@pytest.fixture
def session(clean_engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one outer transaction rolled back at the end."""
    connection = clean_engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def bot(clean_engine: Engine) -> Iterator[object]:
    """The real app over HTTP against a fake Slack, on each backend."""
    from tests.harness import start_bot

    running = start_bot(clean_engine)
    try:
        yield running
    finally:
        running.stop()
