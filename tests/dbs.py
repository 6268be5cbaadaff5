"""Test databases: SQLite always, PostgreSQL when MADOGUCHI_TEST_POSTGRES_URL is set.

With CI=true a missing or unreachable PostgreSQL fails the run instead of skipping it. Each test
session gets its own throwaway PostgreSQL database, so parallel runs never share state."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

import models
from bot.migrate import upgrade
from models.db import make_engine, normalise_url

PG_ENV = "MADOGUCHI_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if in_ci():
            pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL suite must run in CI", pytrace=False)
        return None
    return normalise_url(url)


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) or in_ci() else ["sqlite"]


@contextmanager
def throwaway_postgres(base_url: str, prefix: str = "madoguchi_test") -> Iterator[str]:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL at {make_url(base_url).render_as_string(hide_password=True)} unusable: {exc}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_all(engine: Engine) -> None:
    tables = [t.name for t in reversed(models.Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


class SqliteTemplate:
    """Migrate once, copy the file per test: a fresh, fully migrated database in a millisecond."""

    def __init__(self, folder: Path):
        self.path = folder / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        engine.dispose()  # closing the last connection checkpoints the WAL into the main file

    def fresh_url(self, folder: Path) -> str:
        target = folder / f"db-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.path, target)
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
        return f"sqlite:///{target}"
