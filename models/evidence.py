"""Evidence files (領収書・請求書 received electronically), kept as 電子帳簿保存法 asks: content-addressed, never
updated, never deleted by the product (issue 17). bot/receipts/storage.py writes and reads them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from models.base import Base, utcnow


class EvidenceBlob(Base):
    """One file's bytes under the sha256 of those bytes. `data` holds them when the database is the store;
    with a directory store the row records that the file was stored (its size, when) and the bytes live in
    the directory under the same hash."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    backend: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceIsPermanent(RuntimeError):
    """Stored evidence was about to be changed or deleted through the ORM."""


@event.listens_for(EvidenceBlob, "before_update")
@event.listens_for(EvidenceBlob, "before_delete")
def _refuse(mapper: Mapper[EvidenceBlob], connection: object, target: EvidenceBlob) -> None:
    # 真実性: the product has no path that corrects or removes a stored file. A correction is a new file.
    raise EvidenceIsPermanent(f"evidence {target.sha256[:12]}… is never changed or deleted")
