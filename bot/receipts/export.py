"""The download a tax officer can ask for (電子帳簿保存法: ダウンロードの求めに応じる), and its check.

    index.csv      one row per record: 取引年月日, 取引金額, 取引先, 登録番号, 書類区分, the ticket, its version,
                   and its files' names and sha256 (UTF-8 with a BOM, so Excel opens it in Japanese)
    files/…        each file as 日付_取引先_金額.ext (_2, _3… for a record's further files)
    manifest.json  every file's sha256 and size, index.csv's included

`verify` re-reads a ZIP and names every file that is missing, unlisted, or whose bytes no longer match.
Files are stored as they are (ZIP_STORED): PDFs and photos are compressed already, and a byte-exact copy is
what the hashes promise."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.csv_cells import inert
from bot.receipts.search import Criteria, Found, search
from bot.receipts.storage import EvidenceStore

INDEX = "index.csv"
MANIFEST = "manifest.json"
FILES = "files/"
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
HEADER = ["取引年月日", "取引金額", "取引先", "登録番号", "書類区分", "申請番号", "版", "入力期間超過", "ファイル名",
          "sha256"]
KIND_JA = {"receipt": "領収書", "invoice": "請求書", "quote": "見積書", "contract": "契約書", "delivery_note": "納品書",
           "purchase_order": "注文書", "other": "その他"}
EXPORT_LIMIT = 10_000_000  # every record in the range: the download is the whole answer, never a first page


@dataclass(frozen=True)
class Exported:
    records: int
    files: int
    bytes: int


def file_stem(found: Found) -> str:
    """日付_取引先_金額: what a person searching a folder by eye looks for."""
    counterparty = UNSAFE.sub("_", found.counterparty).strip("._")[:60] or "unknown"
    return f"{found.transaction_date:%Y%m%d}_{counterparty}_{found.amount}"


def export(session: Session, store: EvidenceStore, criteria: Criteria, out: Path, *, now: datetime) -> Exported:
    """Write the ZIP for `criteria` to `out` (atomically: a temporary name, renamed when complete). Reading a
    file whose bytes no longer match its hash stops the export (EvidenceTampered names it)."""
    found = search(session, criteria, limit=EXPORT_LIMIT)
    temporary = out.with_name(f".{out.name}.partial")
    manifest: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    total = 0
    index = io.StringIO()
    rows = csv.writer(index, lineterminator="\r\n")
    rows.writerow(HEADER)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for record in found:
                names = []
                for position, f in enumerate(record.files, start=1):
                    data = store.read(session, f.sha256)
                    name = _unique(f"{FILES}{file_stem(record)}{'' if position == 1 else f'_{position}'}"
                                   f"{_extension(f.name)}", used)
                    archive.writestr(name, data)
                    manifest[name] = {"sha256": f.sha256, "size": len(data), "original_name": f.name}
                    names.append(name.removeprefix(FILES))
                    total += len(data)
                rows.writerow([record.transaction_date.isoformat(), record.amount, inert(record.counterparty),
                               record.invoice_number or "", KIND_JA.get(record.kind, record.kind), record.ticket_number,
                               record.version, "はい" if record.late else "", ";".join(names),
                               ";".join(f.sha256 for f in record.files)])
            index_bytes = ("\ufeff" + index.getvalue()).encode()
            archive.writestr(zipfile.ZipInfo(INDEX, date_time=now.timetuple()[:6]), index_bytes,
                             compress_type=zipfile.ZIP_DEFLATED)
            manifest[INDEX] = {"sha256": hashlib.sha256(index_bytes).hexdigest(), "size": len(index_bytes)}
            document = {"created_at": now.isoformat(), "records": len(found), "criteria": _criteria(criteria),
                        "files": manifest}
            archive.writestr(MANIFEST, json.dumps(document, ensure_ascii=False, indent=2),
                             compress_type=zipfile.ZIP_DEFLATED)
        temporary.replace(out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Exported(records=len(found), files=len(manifest) - 1, bytes=total)


@dataclass(frozen=True)
class Problem:
    name: str
    problem: str  # "missing", "tampered", "unlisted"


def verify(path: Path) -> list[Problem]:
    """Every file of the export against its manifest; [] when the download is whole. A ZIP without a readable
    manifest is one problem, named after the manifest."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                listed = json.loads(archive.read(MANIFEST))["files"]
            except (KeyError, ValueError, TypeError):
                return [Problem(MANIFEST, "missing")]
            present = {i.filename for i in archive.infolist() if not i.is_dir()} - {MANIFEST}
            problems = [Problem(name, "unlisted") for name in sorted(present - set(listed))]
            for name, entry in listed.items():
                if name not in present:
                    problems.append(Problem(name, "missing"))
                    continue
                data = archive.read(name)
                if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
                    problems.append(Problem(name, "tampered"))
            return problems
    except (zipfile.BadZipFile, OSError):
        return [Problem(path.name, "missing")]


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    stem, dot, extension = name.rpartition(".")
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}.{extension}" if dot else f"{name}-{n}"
    used.add(candidate)
    return candidate


def _extension(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def _criteria(criteria: Criteria) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(criteria).items()
            if v not in (None, False)}
