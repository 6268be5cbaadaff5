"""Hand-off to accounting (issue #18 item 7): approved expenses and payments, submitted and approved over
signed HTTP, exported with `madoguchi export journal` as an operator runs it; a second export of the same
days carries nothing already handed over, unless --again; a request still waiting or rejected never goes."""

from __future__ import annotations

import csv
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.cli import main
from bot.settings import BUNDLED_CONFIG
from models import AuditEvent, JournalExport
from tests.service.approvals_fixtures import (  # noqa: F401 - the `bot` fixture
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    approval_bot_fixture,
)
from tests.wiring.approvals_steps import APPROVE, REJECT, approval_message, click, give_reason
from tests.wiring.intake_steps import request

RECEIPT = "https://files.example.co.jp/r/123"


@pytest.fixture
def export(bot, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", bot.services.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MADOGUCHI_CONFIG", str(BUNDLED_CONFIG))
    monkeypatch.setenv("SLACK_BOT_TOKEN", bot.services.settings.bot_token())
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli")
    monkeypatch.setenv("SLACK_API_URL", bot.slack.url)

    def run(fmt: str, *more: str, start: str = "2026-11-01", end: str = "2026-11-30") -> tuple[list[dict], str]:
        out = tmp_path / f"{fmt}.csv"
        code = main(["export", "journal", "--from", start, "--to", end, "--format", fmt, "--out", str(out),
                     "--by", "keiri", *more])
        said = capsys.readouterr()
        assert code == 0, said.err
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
        return list(csv.DictReader(raw.decode("utf-8-sig").splitlines())), said.out.strip()

    return run


def expense(bot: Any, amount: int, category: str, spent_on: str) -> str:
    return request(bot, EMPLOYEE, "expense", {"category": category, "amount": amount, "spent_on": spent_on,
                                              "purpose": "大阪出張", "payee": "東日本旅客鉄道",
                                              "receipt_url": RECEIPT}).number


def payment(bot: Any) -> str:
    return request(bot, EMPLOYEE, "payment", {
        "vendor": "株式会社サンプル", "vendor_status": "registered", "amount": 550_000, "due_on": "2026-12-31",
        "invoiced_on": "2026-11-20", "invoice_url": "https://files.example.co.jp/i/9", "purpose": "11月分 保守"}).number


def test_approved_requests_go_to_accounting_once_in_freee_and_mf_formats(bot, export):
    train = expense(bot, 12_800, "transport", "2026-11-18")
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    bill = payment(bot)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), APPROVE)
    expense(bot, 3_000, "meeting", "2026-11-19")  # still waiting for its approver: not accounting's yet
    rejected = expense(bot, 9_000, "other", "2026-11-19")
    click(bot, MANAGER, approval_message(bot, MANAGER), REJECT)
    give_reason(bot, MANAGER, "私費です")
    october = expense(bot, 5_000, "books", "2026-10-30")  # approved, but outside the days asked
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    rows, said = export("freee")

    assert [(r["管理番号"], r["発生日"], r["勘定科目"], r["金額"], r["取引先"], r["決済期日"]) for r in rows] == [
        (train, "2026/11/18", "旅費交通費", "12800", "東日本旅客鉄道", ""),
        (bill, "2026/11/20", "外注費", "550000", "株式会社サンプル", "2026/12/31")]
    assert all(r["収支区分"] == "支出" and r["税区分"] == "課対仕入10%" for r in rows)
    assert said.endswith("2 row(s) for 2026-11-01 – 2026-11-30, freee; 2 newly marked")
    assert rejected not in str(rows) and october not in str(rows)

    again, said = export("freee")  # the same days again: nothing new to hand over
    assert again == [] and "0 row(s)" in said

    mf, said = export("mf", "--again")  # asked for: the same requests, as MF's journal book
    assert [(r["取引No"], r["仕訳メモ"], r["借方勘定科目"], r["貸方勘定科目"], r["借方金額(円)"]) for r in mf] == [
        ("1", train, "旅費交通費", "未払金", "12800"), ("2", bill, "外注費", "未払金", "550000")]
    assert "(2 exported before, included by --again); 0 newly marked" in said

    with bot.services.session_factory() as session:
        marks = session.execute(select(JournalExport.format, JournalExport.exported_by)).all()
        exports = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "journal.exported")).all()
    assert marks == [("freee", "keiri"), ("freee", "keiri")]  # the first export of each is the one kept
    assert [(e["format"], e["rows"], e["new"]) for e in exports] == [("freee", 2, 2), ("mf", 2, 0)]


def test_an_export_with_no_journal_mapping_or_backwards_days_is_one_line_and_non_zero(bot, export, monkeypatch,
                                                                                      tmp_path, capsys):
    code = main(["export", "journal", "--from", "2026-11-30", "--to", "2026-11-01", "--format", "csv",
                 "--out", str(tmp_path / "x.csv")])
    assert code == 2 and capsys.readouterr().err.strip() == "madoguchi export journal: --to is before --from"

    data = yaml.safe_load(BUNDLED_CONFIG.read_text(encoding="utf-8"))
    for rt in data["request_types"]:
        rt.pop("journal", None)
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MADOGUCHI_CONFIG", str(plain))
    code = main(["export", "journal", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv",
                 "--out", str(tmp_path / "y.csv")])
    assert code == 2 and capsys.readouterr().err.strip() == (
        "madoguchi export journal: no request type has a `journal:` mapping in the config (see docs/JOURNAL.md)")
    assert not (tmp_path / "y.csv").exists()
