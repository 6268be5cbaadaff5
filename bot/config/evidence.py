"""Where receipt and invoice files are kept, and for how long (電子帳簿保存法; issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# What a receipt or an invoice arrives as: scans and photos, PDFs, and the structured e-invoice formats.
DEFAULT_FILE_TYPES = ("pdf", "png", "jpg", "jpeg", "heic", "webp", "tif", "tiff", "xml", "csv")


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

    @model_validator(mode="after")
    def _directory_when_needed(self) -> EvidenceConfig:
        if self.storage == "directory" and (self.directory is None or not self.directory.is_absolute()):
            raise ValueError("storage: directory needs `directory`, an absolute path")
        self.file_types = sorted({kind.lower().lstrip(".") for kind in self.file_types})
        return self
