"""Receipts attached to a request, over signed HTTP against the fake Slack (issue 17): the employee picks
files in the expense form, the bot fetches them on submission (files.info → url_private with the bot token),
keeps them content-addressed with the 電子帳簿保存法 record, and the approver sees them. A file that cannot
be fetched refuses the submission with a field error and leaves nothing half-stored."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.fakeslack.state_values import state_value
from bot.forms import block_id
from models import AuditEvent, EvidenceBlob, ReceiptFile, ReceiptRecord, Ticket
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
)
from tests.wiring.approvals_steps import SEND_BACK, approval_message, give_reason
from tests.wiring.approvals_steps import click as approvals_click
from tests.wiring.intake_steps import everything, modal, open_home, open_picker, pick, request, submit_form

TRAIN = b"%PDF-1.7\n" + "東海旅客鉄道 領収書 ¥28,500".encode() + b"\n%%EOF\n"
TAXI = b"\xff\xd8\xff\xe0" + b"JFIF taxi receipt 2,300 yen" + b"\xff\xd9"
CORRECTED = b"%PDF-1.7\n" + "東海旅客鉄道 領収書（再発行） ¥27,800".encode() + b"\n%%EOF\n"
VALID_NUMBER = "T7000012050002"


def expense_values(files: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    return {"category": "travel", "amount": 30_800, "spent_on": "2026-11-20", "purpose": "大阪出張",
            "payee": "東海旅客鉄道株式会社", "invoice_number": VALID_NUMBER, "receipts": files, **overrides}


def could_not_fetch(name: str) -> str:
    return f"「{name}」を取り込めませんでした。もう一度送信してください。続く場合はファイルを選び直してください。"


def two_receipts(bot: Any) -> list[dict[str, Any]]:
    return [bot.slack.user_uploads(EMPLOYEE, "新幹線.pdf", TRAIN),
            bot.slack.user_uploads(EMPLOYEE, "タクシー.jpg", TAXI, mimetype="image/jpeg")]


def kept(bot: Any) -> dict[str, int]:
    """How many rows each evidence table holds."""
    with bot.services.session_factory() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Ticket, EvidenceBlob, ReceiptRecord, ReceiptFile)}


def records(bot: Any, ticket_id: int) -> list[tuple[int, int | None, int, list[str]]]:
    """(version, previous version's id, amount, [file names]) of each of the ticket's record versions."""
    with bot.services.session_factory() as session:
        rows = session.scalars(select(ReceiptRecord).where(ReceiptRecord.ticket_id == ticket_id)
                               .order_by(ReceiptRecord.version))
        return [(r.version, r.previous_id, r.amount,
                 list(session.scalars(select(ReceiptFile.name).where(ReceiptFile.record_id == r.id)
                                      .order_by(ReceiptFile.position)))) for r in rows]


def recorded_events(bot: Any, ticket_id: int) -> list[dict[str, Any]]:
    with bot.services.session_factory() as session:
        return [e.after for e in session.scalars(select(AuditEvent).where(
            AuditEvent.ticket_id == ticket_id, AuditEvent.action == "receipt.recorded").order_by(AuditEvent.id))]


def test_an_expense_with_two_receipt_files_keeps_them_with_their_record_and_the_approver_sees_them(bot):
    ticket = request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot)))

    assert records(bot, ticket.id) == [(1, None, 30_800, ["新幹線.pdf", "タクシー.jpg"])]
    with bot.services.session_factory() as session:
        record = session.scalars(select(ReceiptRecord)).one()
        assert (record.kind, record.counterparty, record.invoice_number, str(record.transaction_date)) == (
            "receipt", "東海旅客鉄道株式会社", VALID_NUMBER, "2026-11-20")
        assert not record.late and str(record.retain_until) == "2034-03-31"  # FY ending 2027-03 + 7 years
        for content in (TRAIN, TAXI):  # the bytes as the employee uploaded them, under their hash
            assert bot.services.evidence.read(session, hashlib.sha256(content).hexdigest()) == content
    [event] = recorded_events(bot, ticket.id)
    assert [(f["name"], f["sha256"]) for f in event["files"]] == [
        ("新幹線.pdf", hashlib.sha256(TRAIN).hexdigest()), ("タクシー.jpg", hashlib.sha256(TAXI).hexdigest())]

    shown = everything(approval_message(bot, MANAGER))
    assert "新幹線.pdf" in shown and "タクシー.jpg" in shown


def test_a_file_that_cannot_be_downloaded_refuses_the_submission_and_keeps_nothing(bot):
    files = [bot.slack.user_uploads(EMPLOYEE, "新幹線.pdf", TRAIN),
             bot.slack.user_uploads(EMPLOYEE, "ホテル.pdf", b"%PDF-1.7 hotel", broken=True)]
    before = kept(bot)
    open_picker(bot, EMPLOYEE)
    form = pick(bot, EMPLOYEE, "expense")

    reply = submit_form(bot, EMPLOYEE, "expense", expense_values(files))

    assert reply.body["response_action"] == "errors"
    assert reply.body["errors"] == {block_id("receipts"): could_not_fetch("ホテル.pdf")}
    assert kept(bot) == before  # no ticket, no file, no record: nothing half-stored
    assert modal(bot, EMPLOYEE)["id"] == form["id"]


def test_a_file_the_bot_may_not_read_gets_slacks_sign_in_page_which_is_never_kept_as_the_receipt(bot):
    files = [bot.slack.user_uploads(EMPLOYEE, "新幹線.pdf", TRAIN, hidden=True)]
    before = kept(bot)
    open_picker(bot, EMPLOYEE)
    pick(bot, EMPLOYEE, "expense")

    reply = submit_form(bot, EMPLOYEE, "expense", expense_values(files))

    assert reply.body["errors"] == {block_id("receipts"): could_not_fetch("新幹線.pdf")}
    assert kept(bot) == before


def test_files_need_the_fields_a_tax_officer_searches_by_and_a_kept_file_type(bot):
    open_picker(bot, EMPLOYEE)
    pick(bot, EMPLOYEE, "expense")

    no_payee = submit_form(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot), payee=None))
    program = submit_form(bot, EMPLOYEE, "expense", expense_values(
        [bot.slack.user_uploads(EMPLOYEE, "receipt.exe", b"MZ\x90\x00", mimetype="application/octet-stream")]))

    assert no_payee.body["errors"] == {
        block_id("payee"): "ファイルを添付した場合は必須です（電子帳簿保存法で検索に使う項目です）。"}
    assert program.body["errors"][block_id("receipts")].startswith("「receipt.exe」は受け付けていない形式です。")
    assert kept(bot)["tickets"] == 0


def test_a_correction_after_a_send_back_keeps_both_versions_linked_and_in_the_audit_chain(bot):
    ticket = request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot)))
    approvals_click(bot, MANAGER, approval_message(bot, MANAGER), SEND_BACK)
    give_reason(bot, MANAGER, "新幹線の領収書が再発行されたものと金額が違います", ["amount", "receipts"])

    notice = [m for m in bot.slack.messages(bot.slack.dm_channel(EMPLOYEE)) if "再発行" in everything(m)][-1]
    approvals_click(bot, EMPLOYEE, notice, "approval_resubmit")
    form = modal(bot, EMPLOYEE)
    receipts_input = next(b for b in form["blocks"] if b.get("block_id") == block_id("receipts"))
    assert receipts_input["optional"] and "新幹線.pdf" in receipts_input["hint"]["text"]  # kept unless replaced
    corrected = [bot.slack.user_uploads(EMPLOYEE, "新幹線_再発行.pdf", CORRECTED)]
    reply = submit_form(bot, EMPLOYEE, "expense", expense_values(corrected, amount=30_100), view=form)
    assert reply.status == 200 and reply.body.get("response_action") == "update", reply.body

    versions = records(bot, ticket.id)
    assert [(v, amount, names) for v, _, amount, names in versions] == [
        (1, 30_800, ["新幹線.pdf", "タクシー.jpg"]), (2, 30_100, ["新幹線_再発行.pdf"])]
    first_id = _record_id(bot, ticket.id, 1)
    assert versions[1][1] == first_id  # version 2 points at the version it corrects
    events = recorded_events(bot, ticket.id)
    assert [(e["version"], e["previous"]) for e in events] == [(1, None), (2, first_id)]
    assert kept(bot)["evidence_blobs"] == 3  # the old files stay


def _record_id(bot: Any, ticket_id: int, version: int) -> int:
    with bot.services.session_factory() as session:
        return session.scalar(select(ReceiptRecord.id).where(ReceiptRecord.ticket_id == ticket_id,
                                                             ReceiptRecord.version == version))


# -- search, the tax officer's download, and the checks that name a changed file ---------------------------
def expenses_for_search(bot: Any) -> dict[str, int]:
    """Three approved-or-pending expenses with receipts, different in date, amount and payee."""
    made = {}
    for payee, amount, day in (("東海旅客鉄道株式会社", 30_800, "2026-11-20"), ("ＡＢＣタクシー", 2_300, "2026-11-18"),
                               ("株式会社ホテル大阪", 18_000, "2026-10-02")):
        files = [bot.slack.user_uploads(EMPLOYEE, f"{payee}.pdf", f"%PDF {payee} {amount}".encode())]
        made[payee] = request(bot, EMPLOYEE, "expense", expense_values(files, payee=payee, amount=amount,
                                                                        spent_on=day)).id
    return made


def cli(monkeypatch: Any, engine: Any, capsys: Any, *argv: str) -> tuple[int, str, str]:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_search_finds_a_receipt_by_date_range_amount_range_and_counterparty_in_any_combination(
        bot, clean_engine, monkeypatch, capsys):
    expenses_for_search(bot)

    def found(*criteria: str) -> list[str]:
        code, out, _ = cli(monkeypatch, clean_engine, capsys, "receipts", "search", *criteria, "--json")
        assert code == 0
        return [r["counterparty"] for r in json.loads(out)]

    assert found("--from", "2026-11-01", "--to", "2026-11-30", "--min", "10000", "--max", "50000",
                 "--counterparty", "東海") == ["東海旅客鉄道株式会社"]
    assert found("--from", "2026-11-01", "--to", "2026-11-30") == ["ＡＢＣタクシー", "東海旅客鉄道株式会社"]
    assert found("--max", "¥20,000") == ["株式会社ホテル大阪", "ＡＢＣタクシー"]
    assert found("--counterparty", "abc") == ["ＡＢＣタクシー"]  # full-width letters match what people type
    assert found("--min", "10000", "--counterparty", "株式会社") == ["株式会社ホテル大阪", "東海旅客鉄道株式会社"]
    assert found("--number", VALID_NUMBER, "--to", "2026-10-31") == ["株式会社ホテル大阪"]
    assert found("--from", "2026-12-01") == []


def test_the_export_for_a_tax_officer_verifies_and_names_a_file_changed_inside_it(
        bot, clean_engine, monkeypatch, capsys, tmp_path):
    expenses_for_search(bot)
    out = tmp_path / "2026-11.zip"

    code, said, _ = cli(monkeypatch, clean_engine, capsys, "receipts", "export", "--from", "2026-11-01",
                        "--to", "2026-11-30", "--out", str(out))
    assert code == 0 and "2 record(s), 2 file(s)" in said
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        index = archive.read("index.csv").decode("utf-8-sig").splitlines()
    assert names == ["files/20261118_ＡＢＣタクシー_2300.pdf", "files/20261120_東海旅客鉄道株式会社_30800.pdf",
                     "index.csv", "manifest.json"]
    assert index[0].startswith("取引年月日,取引金額,取引先,登録番号,書類区分")
    assert index[1].startswith(f"2026-11-18,2300,ＡＢＣタクシー,{VALID_NUMBER},領収書,")
    assert cli(monkeypatch, clean_engine, capsys, "receipts", "verify", str(out))[0] == 0

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            copy.writestr(item, data.replace(b"2300", b"3200") if "2300.pdf" in item.filename else data)
    code, _, err = cli(monkeypatch, clean_engine, capsys, "receipts", "verify", str(tampered))
    assert code == 1 and "files/20261118_ＡＢＣタクシー_2300.pdf: tampered" in err


def test_audit_verify_names_a_kept_file_changed_behind_the_products_back(bot, clean_engine, monkeypatch, capsys):
    made = expenses_for_search(bot)
    assert cli(monkeypatch, clean_engine, capsys, "audit", "verify")[0] == 0
    sha256 = hashlib.sha256("%PDF ＡＢＣタクシー 2300".encode()).hexdigest()

    with clean_engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # the table refuses UPDATE; a superuser can switch that off
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(text("UPDATE evidence_blobs SET data = :data WHERE sha256 = :sha"),
                     {"data": b"%PDF forged 23000", "sha": sha256})

    code, _, err = cli(monkeypatch, clean_engine, capsys, "audit", "verify")
    number = _ticket_number(bot, made["ＡＢＣタクシー"])
    assert code == 1
    assert f"evidence: {number} receipt record" in err and "ＡＢＣタクシー.pdf: file tampered" in err


def test_the_database_refuses_to_change_or_delete_kept_evidence(bot, clean_engine):
    expenses_for_search(bot)
    if clean_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no roles to refuse anyone; the audit chain is the evidence there")
    for statement in ("UPDATE receipt_records SET amount = 1", "DELETE FROM receipt_records",
                      "UPDATE receipt_files SET name = 'x'", "UPDATE evidence_blobs SET size = 1"):
        with pytest.raises(DBAPIError, match="kept as the e-bookkeeping law asks"), clean_engine.begin() as conn:
            conn.execute(text(statement))


def _ticket_number(bot: Any, ticket_id: int) -> str:
    with bot.services.session_factory() as session:
        return session.get(Ticket, ticket_id).number


# -- the files in Slack: one click sends them to who may see them; the search for finance and auditors -----
AUDITOR = "ULEGAL001"  # 小林 直樹, given the auditor role below
OUTSIDER = "UGAAGENT1"  # 渡辺 翔: neither requester, approver, finance, nor auditor


@pytest.fixture(name="audited")
def audited_fixture(clean_engine):
    """The approvals bot, with the legal lead also holding the `auditor` role."""
    from tests.harness import start_bot
    from tests.service.approvals_fixtures import approval_config, clock

    config = approval_config()
    people = [p.model_copy(update={"roles": [*p.roles, "auditor"]}) if p.slack_id == AUDITOR else p
              for p in config.org.people]
    config = config.model_copy(update={"org": config.org.model_copy(update={"people": people})})
    running = start_bot(clean_engine, config=config, clock=clock())
    try:
        yield running
    finally:
        running.stop()


def shared_files(bot: Any, user: str) -> dict[str, bytes]:
    """name → bytes of every file shared into the user's DM with the bot."""
    by_id = {f.id: f for f in bot.slack.files()}
    return {f["name"]: by_id[f["id"]].content for m in bot.slack.messages(bot.slack.dm_channel(user))
            for f in m.get("files") or []}


def test_the_approver_gets_the_receipts_in_their_dm_with_one_click_and_an_outsider_is_refused(audited):
    bot = audited
    request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot)))
    ask = approval_message(bot, MANAGER)
    assert "📎 添付ファイルを受け取る（2件）" in everything(ask)

    approvals_click(bot, MANAGER, ask, "receipt_send_files")
    approvals_click(bot, OUTSIDER, ask, "receipt_send_files", channel="CGENERAL")

    assert shared_files(bot, MANAGER) == {"新幹線.pdf": TRAIN, "タクシー.jpg": TAXI}
    assert shared_files(bot, OUTSIDER) == {}
    assert [e["text"] for e in bot.slack.ephemerals(OUTSIDER)] == [
        "この申請の添付ファイルを受け取れるのは、申請者・承認者・担当部署・監査担当の方だけです。"]


def test_an_auditor_searches_receipts_from_app_home_and_an_employee_has_no_such_button(audited):
    bot = audited
    expenses_for_search(bot)

    assert "証憑を検索" in open_home(bot, AUDITOR)
    assert "証憑を検索" not in open_home(bot, EMPLOYEE)
    home = bot.slack.home_view(AUDITOR)
    button_block = next(b for b in home["blocks"] if (b.get("accessory") or {}).get("action_id") == "receipt_search")
    reply = bot.requester.block_action(user_id=AUDITOR, action_id="receipt_search", value="open",
                                       block_id=button_block.get("block_id", "actions"), view=home)
    assert reply.status == 200
    form = modal(bot, AUDITOR)
    assert form["title"]["text"] == "証憑を検索"

    values = {block: {"value": state_value(kind, value)} for block, kind, value in (
        ("receipt_date_from", "datepicker", "2026-11-01"), ("receipt_date_to", "datepicker", "2026-11-30"),
        ("receipt_amount_min", "plain_text_input", "¥10,000"), ("receipt_amount_max", "plain_text_input", None),
        ("receipt_counterparty", "plain_text_input", "東海"), ("receipt_invoice_number", "plain_text_input", None))}
    answer = bot.requester.view_submission(user_id=AUDITOR, view=form, values=values)

    assert answer.body["response_action"] == "update", answer.body
    shown = everything(answer.body["view"])
    assert "東海旅客鉄道株式会社" in shown and "¥30,800" in shown and "ＡＢＣタクシー" not in shown

    wrong = dict(values, receipt_amount_max={"value": state_value("plain_text_input", "5千円")})
    assert bot.requester.view_submission(user_id=AUDITOR, view=form, values=wrong).body["errors"] == {
        "receipt_amount_max": "金額は円単位の数字で入力してください（例: 30000、¥30,000）。"}


# -- インボイス登録番号 against the 国税庁 registry, when the company has an application id ------------------
UNREGISTERED = "T3100001234567"  # a well-formed number the registry does not hold


@pytest.fixture(name="nta")
def nta_fixture():
    from tests.fake_nta import FakeNta

    registry = FakeNta(registry={VALID_NUMBER: ("東海旅客鉄道株式会社", "2023-10-01", "", "")}).start()
    try:
        yield registry
    finally:
        registry.stop()


def registry_bot(clean_engine: Any, api_url: str) -> Any:
    from tests.fake_nta import APPLICATION_ID
    from tests.harness import start_bot
    from tests.service.approvals_fixtures import approval_config, clock

    return start_bot(clean_engine, config=approval_config(), clock=clock(),
                     environment={"NTA_APPLICATION_ID": APPLICATION_ID, "NTA_API_URL": api_url})


@pytest.mark.parametrize(("number", "approver_reads", "status"), [
    (VALID_NUMBER,
     "✅ 登録番号 T7000012050002 は取引日 2026/11/20 時点で登録されています（国税庁: 東海旅客鉄道株式会社）",
     "registered"),
    (UNREGISTERED,
     "⚠️ 登録番号 T3100001234567 は取引日 2026/11/20 時点で登録されていません（国税庁）。", "not_registered"),
], ids=["registered", "not registered"])
def test_the_approver_reads_what_the_registry_said_of_the_number_on_the_transaction_date(
        clean_engine, nta, number, approver_reads, status):
    bot = registry_bot(clean_engine, nta.url)
    try:
        ticket = request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot), invoice_number=number))

        assert approver_reads in everything(approval_message(bot, MANAGER))
        assert [(q["number"], q["day"]) for q in nta.asked] == [(number, "2026-11-20")]
        with bot.services.session_factory() as session:
            [event] = session.scalars(select(AuditEvent).where(
                AuditEvent.ticket_id == ticket.id, AuditEvent.action == "receipt.registration_checked")).all()
        assert (event.after["number"], event.after["status"]) == (number, status)
    finally:
        bot.stop()


def test_an_unreachable_registry_never_stops_the_request(clean_engine):
    bot = registry_bot(clean_engine, "http://127.0.0.1:9/1/")  # the discard port: nothing answers
    try:
        request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot)))

        assert ("登録番号 T7000012050002 の登録状況を国税庁に確認できませんでした"
                in everything(approval_message(bot, MANAGER)))
    finally:
        bot.stop()


# -- legal hold -------------------------------------------------------------------------------------------
def test_a_legal_hold_keeps_records_past_their_retention_until_it_is_lifted(bot, clean_engine, monkeypatch, capsys):
    made = expenses_for_search(bot)
    number = _ticket_number(bot, made["ＡＢＣタクシー"])

    held = cli(monkeypatch, clean_engine, capsys, "receipts", "hold", number, "--reason", "2027年税務調査",
               "--by", "keiri")
    again = cli(monkeypatch, clean_engine, capsys, "receipts", "hold", number, "--reason", "重複")
    listed = cli(monkeypatch, clean_engine, capsys, "receipts", "holds", "--json")

    assert held[0] == 0 and f"{number}: on legal hold" in held[1]
    assert again[0] == 1 and "already held" in again[2]
    assert [(h["ticket"], h["reason"], h["by"]) for h in json.loads(listed[1])] == [
        (number, "2027年税務調査", "cli:keiri")]

    postgres = clean_engine.dialect.name == "postgresql"
    delete_record = text("DELETE FROM receipt_records WHERE ticket_id = :t")
    if postgres:
        # Its retention has ended (and its file entries are gone): set by a superuser, the only way there is.
        with clean_engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.execute(text("UPDATE receipt_records SET retain_until = '2020-03-31'"))
            conn.execute(text("DELETE FROM receipt_files WHERE record_id IN "
                              "(SELECT id FROM receipt_records WHERE ticket_id = :t)"), {"t": made["ＡＢＣタクシー"]})
        with pytest.raises(DBAPIError, match="kept as the e-bookkeeping law asks"), clean_engine.begin() as conn:
            conn.execute(delete_record, {"t": made["ＡＢＣタクシー"]})  # held: still refused

    assert cli(monkeypatch, clean_engine, capsys, "receipts", "release", number, "--reason", "調査終了")[0] == 0
    if postgres:
        with clean_engine.begin() as conn:  # lifted, past retention: the database lets it go
            assert conn.execute(delete_record, {"t": made["ＡＢＣタクシー"]}).rowcount == 1
    assert json.loads(cli(monkeypatch, clean_engine, capsys, "receipts", "holds", "--json")[1]) == []
    with bot.services.session_factory() as session:
        steps = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("receipt.hold_%"))
                                .order_by(AuditEvent.id)).all()
    assert steps == ["receipt.hold_placed", "receipt.hold_released"]


def test_a_receipt_entered_long_after_its_date_is_flagged_and_the_desk_card_offers_its_files(bot):
    from tests.wiring.approvals_steps import APPROVE
    from tests.wiring.intake_steps import card

    ticket = request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot), spent_on="2026-08-03"))
    approvals_click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    with bot.services.session_factory() as session:
        assert session.scalars(select(ReceiptRecord.late).where(ReceiptRecord.ticket_id == ticket.id)).one()
    desk_card = card(bot, "finance", ticket.number)
    assert "📎 添付ファイルを受け取る（2件）" in everything(desk_card)
    approvals_click(bot, "UFINAGENT", desk_card, "receipt_send_files", channel="CFINANCE")
    assert shared_files(bot, "UFINAGENT") == {"新幹線.pdf": TRAIN, "タクシー.jpg": TAXI}


def test_an_auditor_gets_an_ordinary_requests_files_but_not_a_confidential_ones(audited):
    bot = audited
    ordinary = request(bot, EMPLOYEE, "expense", expense_values(two_receipts(bot)))
    with bot.services.session_factory() as session, session.begin():  # the same request, marked confidential
        secret = session.get(Ticket, ordinary.id)
        secret.confidential = True

    reply = bot.requester.block_action(user_id=AUDITOR, action_id="receipt_send_files", value=str(ordinary.id),
                                       channel_id="CLEGAL")
    bot.deliver()

    assert reply.status == 200
    assert shared_files(bot, AUDITOR) == {}
    assert bot.slack.ephemerals(AUDITOR)[-1]["text"].startswith("この申請の添付ファイルを受け取れるのは")


def test_a_payee_typed_as_a_formula_is_shown_not_run_in_the_exports_index(
        bot, clean_engine, monkeypatch, capsys, tmp_path):
    payee = '=HYPERLINK("http://evil.example/","領収書")'
    files = [bot.slack.user_uploads(EMPLOYEE, "receipt.pdf", b"%PDF taxi 2300")]
    request(bot, EMPLOYEE, "expense", expense_values(files, payee=payee, amount=2_300, spent_on="2026-11-18"))
    out = tmp_path / "2026-11.zip"

    assert cli(monkeypatch, clean_engine, capsys, "receipts", "export", "--from", "2026-11-01", "--to", "2026-11-30",
               "--out", str(out))[0] == 0
    with zipfile.ZipFile(out) as archive:
        (row,) = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    assert row["取引先"] == "'" + payee
