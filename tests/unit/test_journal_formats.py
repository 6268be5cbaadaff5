"""The journal files, column by column, against the import formats they are written for.

freee 会計's 取引インポート: the header row of freee's own sample file (21 columns), 収支区分 支出, 発生日 and
決済期日 as YYYY/MM/DD. マネーフォワード クラウド会計's 仕訳帳 import: its 27 columns A–AA, one 振替仕訳 a request.
Where the column lists come from: docs/JOURNAL.md."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from bot.journal.formats import CSV_COLUMNS, FREEE_COLUMNS, MF_COLUMNS, render
from bot.journal.rows import JournalRow

TRAIN = JournalRow(ticket_id=1, number="FIN-0042", day=date(2026, 11, 20), account="旅費交通費", credit="未払金",
                   tax={"freee": "課対仕入10%", "mf": "課税仕入 10%", "csv": "課税仕入10%"}, amount=12_800,
                   partner="東日本旅客鉄道", memo="大阪出張, 新幹線", due=None, department="finance",
                   approved_at=datetime(2026, 11, 24, 2, 30, tzinfo=UTC), exported_before=False)
BILL = JournalRow(ticket_id=2, number="FIN-0043", day=date(2026, 11, 25), account="外注費", credit="未払金",
                  tax={"freee": "課対仕入10%", "mf": "課税仕入 10%"}, amount=550_000, partner="株式会社サンプル",
                  memo="11月分 保守", due=date(2026, 12, 31), department="finance",
                  approved_at=datetime(2026, 11, 26, 5, 0, tzinfo=UTC), exported_before=False)


def read(fmt: str, rows: list[JournalRow]) -> list[dict[str, str]]:
    text = render(fmt, rows, "Asia/Tokyo")
    assert text.endswith("\r\n") and "\r\n" in text.splitlines(keepends=True)[0]  # CRLF, as both write theirs
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_freee_file_has_the_21_columns_of_freees_sample_in_order():
    assert len(FREEE_COLUMNS) == 21
    assert FREEE_COLUMNS[:12] == ("収支区分", "管理番号", "発生日", "決済期日", "取引先コード", "取引先", "勘定科目",
                                  "税区分", "金額", "税計算区分", "税額", "備考")
    assert FREEE_COLUMNS[-3:] == ("決済日", "決済口座", "決済金額")
    header = render("freee", [], "Asia/Tokyo").splitlines()[0]
    assert header == ",".join(FREEE_COLUMNS)


def test_a_freee_row_is_one_unsettled_expense_carrying_the_request_number():
    train, bill = read("freee", [TRAIN, BILL])

    assert train == {**dict.fromkeys(FREEE_COLUMNS, ""), "収支区分": "支出", "管理番号": "FIN-0042",
                     "発生日": "2026/11/20", "取引先": "東日本旅客鉄道", "勘定科目": "旅費交通費",
                     "税区分": "課対仕入10%", "金額": "12800", "備考": "FIN-0042 大阪出張, 新幹線"}
    assert bill["決済期日"] == "2026/12/31" and bill["決済日"] == "" and bill["金額"] == "550000"


def test_the_mf_file_has_the_27_columns_a_to_aa_of_the_journal_book():
    assert len(MF_COLUMNS) == 27
    assert MF_COLUMNS[:10] == ("取引No", "取引日", "借方勘定科目", "借方補助科目", "借方部門", "借方取引先",
                               "借方税区分", "借方インボイス", "借方金額(円)", "借方税額")
    assert MF_COLUMNS[10:19] == ("貸方勘定科目", "貸方補助科目", "貸方部門", "貸方取引先", "貸方税区分",
                                 "貸方インボイス", "貸方金額(円)", "貸方税額", "摘要")
    assert MF_COLUMNS[19:] == ("仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳", "作成日時", "作成者",
                               "最終更新日時", "最終更新者")


def test_an_mf_row_is_a_balanced_transfer_with_the_number_in_its_memo():
    train, bill = read("mf", [TRAIN, BILL])

    assert train == {**dict.fromkeys(MF_COLUMNS, ""), "取引No": "1", "取引日": "2026/11/20",
                     "借方勘定科目": "旅費交通費", "借方取引先": "東日本旅客鉄道", "借方税区分": "課税仕入 10%",
                     "借方金額(円)": "12800", "貸方勘定科目": "未払金", "貸方取引先": "東日本旅客鉄道",
                     "貸方税区分": "対象外", "貸方金額(円)": "12800", "摘要": "FIN-0042 大阪出張, 新幹線",
                     "仕訳メモ": "FIN-0042"}
    assert bill["取引No"] == "2" and bill["借方金額(円)"] == bill["貸方金額(円)"] == "550000"


def test_the_plain_csv_names_each_fact_and_the_approval_in_local_time():
    (train,) = read("csv", [TRAIN])

    assert list(train) == list(CSV_COLUMNS)
    assert (train["申請番号"], train["税区分"], train["承認日時"]) == ("FIN-0042", "課税仕入10%", "2026/11/24 11:30")


@pytest.mark.parametrize("fmt", ["freee", "mf", "csv"])
def test_a_comma_quote_or_newline_in_a_memo_stays_inside_its_cell(fmt):
    tricky = JournalRow(**{**vars(TRAIN), "memo": '出張, "大阪"\n2泊'})

    (row,) = read(fmt, [tricky])

    assert '出張, "大阪"\n2泊' in row.get("備考", row.get("摘要", ""))


@pytest.mark.parametrize("fmt, column", [("freee", "取引先"), ("mf", "借方取引先"), ("mf", "貸方取引先"),
                                         ("csv", "取引先")])
def test_a_supplier_typed_as_a_formula_is_shown_not_run_when_the_file_is_opened(fmt, column):
    sneaky = JournalRow(**{**vars(TRAIN), "partner": '=HYPERLINK("http://evil.example/","領収書")'})

    (row,) = read(fmt, [sneaky])

    assert row[column] == '\'=HYPERLINK("http://evil.example/","領収書")'


def test_a_memo_typed_as_a_formula_is_shown_not_run_in_the_plain_csv():
    (row,) = read("csv", [JournalRow(**{**vars(TRAIN), "memo": "-1+1"})])

    assert row["摘要"] == "'-1+1" and row["金額"] == "12800"  # numbers are numbers still
