"""The evidence store keeps a receipt's bytes once, under their hash, in the database or in a directory;
it hands back exactly what was stored, and names a file changed behind its back instead of serving it."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.config.evidence import EvidenceConfig
from bot.receipts.storage import (
    DirectoryStore,
    EvidenceMissing,
    EvidenceStore,
    EvidenceTampered,
    evidence_store,
    sha256_of,
)
from models import EvidenceBlob
from models.evidence import EvidenceIsPermanent

NOW = datetime(2026, 12, 14, 1, 30, tzinfo=UTC)
RECEIPT = b"%PDF-1.7\n" + "領収書 タクシー ¥3,200".encode() + bytes(range(256)) * 40


@pytest.fixture(params=["database", "directory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> EvidenceStore:
    if request.param == "database":
        return evidence_store(EvidenceConfig())
    return evidence_store(EvidenceConfig(storage="directory", directory=tmp_path / "evidence"))


@pytest.fixture
def sessions(clean_engine) -> sessionmaker[Session]:
    return sessionmaker(clean_engine, expire_on_commit=False)


def test_a_file_is_kept_once_under_its_hash_and_read_back_whole(store, sessions):
    with sessions.begin() as session:
        first = store.put(session, RECEIPT, NOW)
    with sessions.begin() as session:
        again = store.put(session, RECEIPT, NOW)  # the same receipt attached to a second request

    assert first == again and first.sha256 == sha256_of(RECEIPT) and first.size == len(RECEIPT)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceBlob)) == 1
        assert session.get(EvidenceBlob, first.sha256).backend == store.backend
        assert store.read(session, first.sha256) == RECEIPT
        assert store.check(session, first.sha256) is None


def test_nothing_is_kept_when_the_transaction_does_not_commit(store, sessions):
    with sessions() as session, session.begin():
        stored = store.put(session, RECEIPT, NOW)
        session.rollback()

    with sessions() as session:
        with pytest.raises(EvidenceMissing):
            store.read(session, stored.sha256)
        assert store.check(session, stored.sha256) == "missing"


def tamper(store: EvidenceStore, sessions: sessionmaker[Session], sha256: str) -> None:
    """Someone with access to the storage itself changes one byte (not through the product; on PostgreSQL a
    superuser, who alone can switch off the table's refusal of UPDATE)."""
    if isinstance(store, DirectoryStore):
        path = store.path(sha256)
        os.chmod(path, 0o644)
        data = bytearray(path.read_bytes())
        data[100] ^= 0xFF
        path.write_bytes(bytes(data))
        return
    with sessions.begin() as session:
        data = bytearray(session.scalar(select(EvidenceBlob.data).where(EvidenceBlob.sha256 == sha256)))
        data[100] ^= 0xFF
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text("UPDATE evidence_blobs SET data = :data WHERE sha256 = :sha"),
                        {"data": bytes(data), "sha": sha256})


def test_a_file_changed_behind_the_products_back_is_named_not_served(store, sessions):
    with sessions.begin() as session:
        stored = store.put(session, RECEIPT, NOW)
    tamper(store, sessions, stored.sha256)

    with sessions() as session:
        with pytest.raises(EvidenceTampered) as named:
            store.read(session, stored.sha256)
        assert named.value.sha256 == stored.sha256
        assert store.check(session, stored.sha256) == "tampered"


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_product_cannot_change_or_delete_a_stored_file(store, sessions, change):
    with sessions.begin() as session:
        stored = store.put(session, RECEIPT, NOW)

    with sessions() as session, pytest.raises(EvidenceIsPermanent):
        row = session.get(EvidenceBlob, stored.sha256)
        if change == "update":
            row.size = 1
        else:
            session.delete(row)
        session.flush()


def test_a_directory_store_leaves_no_partial_file_and_keeps_files_read_only(tmp_path, sessions):
    store = DirectoryStore(tmp_path / "evidence")
    with sessions.begin() as session:
        stored = store.put(session, RECEIPT, NOW)

    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert files == [store.path(stored.sha256)]
    assert files[0].stat().st_mode & 0o222 == 0


@pytest.mark.parametrize("directory", [None, "relative/evidence"])
def test_a_directory_store_needs_an_absolute_directory(directory):
    with pytest.raises(ValueError, match="absolute path"):
        EvidenceConfig(storage="directory", directory=directory)
