"""Where receipt and invoice files are kept, and for how long (電子帳簿保存法; issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

# What a receipt or an invoice arrives as: scans and photos, PDFs, and the structured e-invoice formats.
DEFAULT_FILE_TYPES = ("pdf", "png", "jpg", "jpeg", "heic", "webp", "tif", "tiff", "xml", "csv")
# 書類区分: what the document is. Receipts and invoices are most of it; the rest are the other 取引関係書類.
DocumentKind = Literal["receipt", "invoice", "quote", "contract", "delivery_note", "purchase_order", "other"]
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)


class EvidenceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    storage: Literal["database", "directory"] = Field(
        default="database", description="database: the bytes in the database (nothing to set up); directory: "
        "files under `directory`, for larger installs")
    directory: Path | None = Field(default=None, description="an absolute path; required with storage: directory")
    file_types: list[str] = Field(default_factory=lambda: list(DEFAULT_FILE_TYPES),
                                  description="file name extensions a form accepts")
    max_file_mb: int = Field(default=20, ge=1, le=1024)
    retention_years: int = Field(default=7, ge=7, le=30, description="kept this many years after the end of "
                                 "the fiscal year (10 for periods with 欠損金 carried forward)")
    fiscal_year_end_month: int = Field(default=3, ge=1, le=12, description="the month the fiscal year ends in "
                                       "(3: April to March); retention counts from its end")
    late_after_days: int = Field(default=70, ge=1, le=3650, description="a record entered this many days after "
                                 "its 取引年月日 is flagged (入力期間: about two months and seven days)")

    @model_validator(mode="after")
    def _directory_when_needed(self) -> EvidenceConfig:
        if self.storage == "directory" and (self.directory is None or not self.directory.is_absolute()):
            raise ValueError("storage: directory needs `directory`, an absolute path")
        self.file_types = sorted({kind.lower().lstrip(".") for kind in self.file_types})
        return self
