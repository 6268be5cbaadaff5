"""Receipt records (電子取引データの保存, 電子帳簿保存法; issue 17): what a tax officer searches a received
receipt or invoice by — 取引年月日, 取引金額, 取引先 — with its 登録番号 and 書類区分, linked to the ticket
that brought it and to its files. bot/receipts/records.py writes them; nothing changes or deletes them:
a correction is a new version pointing at the one it replaces."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from models.base import Base, utcnow


class ReceiptRecord(Base):
    __tablename__ = "receipt_records"
    __table_args__ = (
        UniqueConstraint("ticket_id", "version"),
        # The search's leading criteria: a date range (always, in practice), an amount range.
        Index("ix_receipt_records_transaction_date_amount", "transaction_date", "amount"),
        Index("ix_receipt_records_amount_transaction_date", "amount", "transaction_date", "kind"),
        Index("ix_receipt_records_invoice_number", "invoice_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    version: Mapped[int] = mapped_column(default=1)
    # The version this one corrects; the newest version is the one nothing points at.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_records.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    transaction_date: Mapped[date]
    amount: Mapped[int] = mapped_column(BigInteger)
    amounts_by_rate: Mapped[dict[str, Any] | None]
    counterparty: Mapped[str] = mapped_column(String(200))
    # The counterparty as searched: NFKC, case-folded, spaces removed (ｶﾌﾞｼｷｶﾞｲｼｬ and 株式会社 stay distinct).
    counterparty_key: Mapped[str] = mapped_column(String(200), index=True)
    invoice_number: Mapped[str | None] = mapped_column(String(14))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    entered_by: Mapped[str] = mapped_column(String(32))
    # 入力期間: entered long after the transaction date (EvidenceConfig.late_after_days).
    late: Mapped[bool] = mapped_column(default=False)
    # The day before which nothing may delete it: the fiscal year's end + the retention years.
    retain_until: Mapped[date]


class ReceiptCounterparty(Base):
    """Every counterparty a record names, once (its search key and the name as first written). A search by a part
    of the name reads this short list, then the records by their indexed key: a few thousand names, where a
    substring match over every record would read all of them."""

    __tablename__ = "receipt_counterparties"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class ReceiptFile(Base):
    """One file of a record version, in the order attached. The bytes are the evidence store's, by sha256."""

    __tablename__ = "receipt_files"
    __table_args__ = (UniqueConstraint("record_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("receipt_records.id"))
    position: Mapped[int]
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int]
    slack_file_id: Mapped[str | None] = mapped_column(String(32))


class ReceiptIsPermanent(RuntimeError):
    """A receipt record or file was about to be changed or deleted through the ORM."""


@event.listens_for(ReceiptRecord, "before_update")
@event.listens_for(ReceiptRecord, "before_delete")
@event.listens_for(ReceiptFile, "before_update")
@event.listens_for(ReceiptFile, "before_delete")
def _refuse(mapper: Mapper[Any], connection: object, target: Any) -> None:
    # 真実性: corrections are new versions; the product has no path that edits or removes one.
    raise ReceiptIsPermanent(f"{mapper.class_.__name__} {target.id} is never changed or deleted")


class ReceiptHold(Base):
    """A legal hold placed on, or lifted from, a request's receipt records: one row per step, never changed. While
    the newest step for a ticket is "placed", its records are kept past their retention end (PostgreSQL refuses
    their deletion), e.g. during a tax audit or a dispute."""

    __tablename__ = "receipt_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # placed | released
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(ReceiptHold, "before_update")
@event.listens_for(ReceiptHold, "before_delete")
def _refuse_hold_change(mapper: Mapper[Any], connection: object, target: Any) -> None:
    raise ReceiptIsPermanent(f"hold step {target.id} is never changed or deleted; lift a hold with a new step")
