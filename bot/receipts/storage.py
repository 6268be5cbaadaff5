"""The evidence store: each file's bytes kept once under their sha256, in the database (the default) or in a
directory (config `evidence.storage`). Stored files are never changed or deleted by the product; reading a
file checks its bytes against its hash, so a file changed behind the product's back is named, never served.

A store is three calls (`put`, `read`, `check`) so that an S3-compatible one can be added beside these two."""

from __future__ import annotations

import hashlib
import os
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from bot.config.evidence import EvidenceConfig
from models.db import insert_ignore
from models.evidence import EvidenceBlob


class EvidenceMissing(LookupError):
    """No file is stored under this hash."""


class EvidenceTampered(RuntimeError):
    """The stored bytes no longer hash to the name they were stored under."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"evidence {sha256} does not match its hash")
        self.sha256 = sha256


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class EvidenceStore(ABC):
    backend: str

    def put(self, session: Session, data: bytes, now: datetime) -> Stored:
        """Keep `data` (once: the same bytes again are the same file) in the caller's transaction."""
        stored = Stored(sha256_of(data), len(data))
        self._write(stored.sha256, data)
        insert_ignore(session, EvidenceBlob, {"sha256": stored.sha256, "size": stored.size, "backend": self.backend,
                                              "data": self._row_bytes(data), "stored_at": now})
        return stored

    def read(self, session: Session, sha256: str) -> bytes:
        """The file's bytes, checked against its hash: EvidenceMissing, or EvidenceTampered."""
        row = session.scalars(select(EvidenceBlob).options(undefer(EvidenceBlob.data))
                              .where(EvidenceBlob.sha256 == sha256)).first()
        if row is None:
            raise EvidenceMissing(sha256)
        data = self._read(sha256, row)
        if data is None:
            raise EvidenceMissing(sha256)
        if sha256_of(data) != sha256 or len(data) != row.size:
            raise EvidenceTampered(sha256)
        return data

    def check(self, session: Session, sha256: str) -> str | None:
        """None when the file is there and whole, else what is wrong ("missing" or "tampered")."""
        try:
            self.read(session, sha256)
        except EvidenceMissing:
            return "missing"
        except EvidenceTampered:
            return "tampered"
        return None

    @abstractmethod
    def _write(self, sha256: str, data: bytes) -> None: ...

    @abstractmethod
    def _row_bytes(self, data: bytes) -> bytes | None: ...

    @abstractmethod
    def _read(self, sha256: str, row: EvidenceBlob) -> bytes | None: ...


class DatabaseStore(EvidenceStore):
    """The bytes in `evidence_blobs.data`: nothing to set up, backed up with the database."""

    backend = "database"

    def _write(self, sha256: str, data: bytes) -> None:
        return None  # the row carries the bytes

    def _row_bytes(self, data: bytes) -> bytes | None:
        return data

    def _read(self, sha256: str, row: EvidenceBlob) -> bytes | None:
        return row.data


class DirectoryStore(EvidenceStore):
    """The bytes in `<root>/<aa>/<bb>/<sha256>`, written to a temporary file, flushed to disk and renamed into
    place, read-only: a crash leaves either the whole file or none. A file written for a transaction that
    then rolls back stays, unreferenced and harmless: the next upload of the same bytes finds it."""

    backend = "directory"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _write(self, sha256: str, data: bytes) -> None:
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o444)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _row_bytes(self, data: bytes) -> bytes | None:
        return None

    def _read(self, sha256: str, row: EvidenceBlob) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None


def evidence_store(config: EvidenceConfig) -> EvidenceStore:
    if config.storage == "directory":
        assert config.directory is not None  # EvidenceConfig requires it
        return DirectoryStore(config.directory)
    return DatabaseStore()
