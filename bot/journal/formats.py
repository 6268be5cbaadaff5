"""Journal rows as the CSV each accounting product imports: pure functions from rows to text.

freee 会計 — 取引インポート (「取引・口座振替のインポート」): the 21 columns of freee's sample file, header row
kept as it is. Each request is one 支出 取引, 未決済 (accounting settles it when it pays): 収支区分 支出,
管理番号 the request's number, 発生日, 決済期日 (a bill's due day), 取引先, 勘定科目, 税区分, 金額 (税込),
備考 (the number and the memo). Required by freee: 収支区分, 発生日, 勘定科目, 税区分, 金額.

マネーフォワード クラウド会計 — 仕訳帳 import (the 27 columns A–AA of its 仕訳帳 CSV): one 振替仕訳 a request,
取引No numbering the file's rows, 取引日, 借方 (勘定科目, 取引先, 税区分, 金額), 貸方 (未払金, 対象外, 金額), 摘要
(the number and the memo) and 仕訳メモ (the number alone). Required by MF: 取引No, 取引日, 借方/貸方勘定科目, 金額.
The columns MF fills itself on export (作成日時 …) stay empty.

csv — the same facts with plain headers, for any other product or a spreadsheet.

Both products read UTF-8 with a byte-order mark (their own sample files are written so), dates as YYYY/MM/DD.
Where the column lists come from is written down in docs/JOURNAL.md; tests/unit/test_journal_formats.py checks
every column of a sample row of each."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.csv_cells import inert
from bot.journal.rows import JournalRow

FREEE_COLUMNS = (
    "収支区分", "管理番号", "発生日", "決済期日", "取引先コード", "取引先", "勘定科目", "税区分", "金額", "税計算区分",
    "税額", "備考", "品目", "部門", "メモタグ（複数指定可、カンマ区切り）", "セグメント1", "セグメント2", "セグメント3",
    "決済日", "決済口座", "決済金額",
)
MF_COLUMNS = (
    "取引No", "取引日", "借方勘定科目", "借方補助科目", "借方部門", "借方取引先", "借方税区分", "借方インボイス",
    "借方金額(円)", "借方税額", "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方取引先", "貸方税区分",
    "貸方インボイス", "貸方金額(円)", "貸方税額", "摘要", "仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳",
    "作成日時", "作成者", "最終更新日時", "最終更新者",
)
CSV_COLUMNS = ("申請番号", "発生日", "借方勘定科目", "貸方勘定科目", "税区分", "金額", "取引先", "摘要", "決済期日",
               "部門", "承認日時")
NOT_TAXED = "対象外"  # the credit line (未払金) carries no consumption tax, in both products' words


def _day(d: object) -> str:
    return d.strftime("%Y/%m/%d") if d is not None else ""  # type: ignore[attr-defined]


def _text(row: JournalRow) -> str:
    return f"{row.number} {row.memo}".strip()


def freee_rows(rows: Sequence[JournalRow]) -> list[dict[str, str]]:
    return [{**dict.fromkeys(FREEE_COLUMNS, ""),
             "収支区分": "支出", "管理番号": r.number, "発生日": _day(r.day), "決済期日": _day(r.due),
             "取引先": inert(r.partner), "勘定科目": r.account, "税区分": r.tax.get("freee", ""), "金額": str(r.amount),
             "備考": _text(r)} for r in rows]


def mf_rows(rows: Sequence[JournalRow]) -> list[dict[str, str]]:
    return [{**dict.fromkeys(MF_COLUMNS, ""),
             "取引No": str(n), "取引日": _day(r.day), "借方勘定科目": r.account, "借方取引先": inert(r.partner),
             "借方税区分": r.tax.get("mf", ""), "借方金額(円)": str(r.amount), "貸方勘定科目": r.credit,
             "貸方取引先": inert(r.partner), "貸方税区分": NOT_TAXED, "貸方金額(円)": str(r.amount), "摘要": _text(r),
             "仕訳メモ": r.number} for n, r in enumerate(rows, 1)]


def plain_rows(rows: Sequence[JournalRow], tz_name: str) -> list[dict[str, str]]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    return [{"申請番号": r.number, "発生日": _day(r.day), "借方勘定科目": r.account, "貸方勘定科目": r.credit,
             "税区分": r.tax.get("csv", ""), "金額": str(r.amount), "取引先": inert(r.partner), "摘要": inert(r.memo),
             "決済期日": _day(r.due), "部門": r.department,
             "承認日時": r.approved_at.astimezone(tz).strftime("%Y/%m/%d %H:%M")} for r in rows]


def render(fmt: str, rows: Sequence[JournalRow], tz_name: str) -> str:
    """The whole file's text (the byte-order mark is the writer's: encoding utf-8-sig)."""
    columns, records = {"freee": (FREEE_COLUMNS, freee_rows(rows)), "mf": (MF_COLUMNS, mf_rows(rows)),
                        "csv": (CSV_COLUMNS, plain_rows(rows, tz_name))}[fmt]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()
