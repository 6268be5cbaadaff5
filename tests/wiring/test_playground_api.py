"""The playground's JSON API without a browser: what the web UI sends becomes the signed requests
Slack would send, and the bot's answers come back where Slack would show them — a DM answer, an
ephemeral reply replaced by a click, a field error from a view submission, a 🎫 reaction, the digest
after a clock jump. And the API refuses what a hostile web page could send it."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.playground.stack import Options, Playground
from models import ReceiptFile

YAMADA, ALEX, MANAGER = "UEMPLOYEE1", "UEMPLOYEE2", "UMANAGER1"
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def pg() -> Iterator[Playground]:
    with Playground(Options(port=0)) as running:
        yield running


@pytest.fixture(scope="module")
def untouched() -> Iterator[Playground]:
    """One playground for the refusals: none of them may change anything."""
    with Playground(Options(port=0)) as running:
        yield running


def call(pg: Playground, path: str, body: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(pg.url + path.lstrip("/"), data=data,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=90) as response:  # a clock jump walks its slots
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def state(pg: Playground, user: str, conversation: str = "dm", since: int | None = None) -> dict[str, Any]:
    query = f"/api/state?user={user}&conversation={conversation}" + (f"&since={since}" if since is not None else "")
    return call(pg, query)[1]


def eventually(pg: Playground, user: str, conversation: str, found: Callable[[dict[str, Any]], Any]) -> Any:
    """Long-poll the state (as the UI does) until `found(state)` is truthy; give up after 40 changes."""
    seen = state(pg, user, conversation)
    for _ in range(40):
        result = found(seen)
        if result:
            return result
        seen = state(pg, user, conversation, since=seen["version"])
    raise AssertionError(f"never happened; last state: {json.dumps(seen, ensure_ascii=False)[:2000]}")


def with_text(text: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def find(s: dict[str, Any]) -> dict[str, Any] | None:
        return next((m for m in reversed(s.get("messages", [])) if text in json.dumps(m, ensure_ascii=False)), None)
    return find


def button(message: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    return next((e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]
                 if e.get("action_id") == action_id), None)


def test_a_dm_question_gets_the_faq_answer_and_solved_updates_it(pg):
    assert call(pg, "/api/say", {"user": YAMADA, "channel": "dm", "text": "有給の残り日数ってどこで見られますか？"}) \
        == (200, {"ok": True})
    answer = eventually(pg, YAMADA, "dm", with_text("有給休暇の残日数を確認したい"))
    helped = button(answer, "faq_helped")

    where = {"kind": "message", "channel": pg.slack.dm_channel(YAMADA), "ts": answer["ts"]}
    reply = call(pg, "/api/action", {"user": YAMADA, "where": where, "action": helped})
    assert reply == (200, {"ok": True})
    updated = eventually(pg, YAMADA, "dm", with_text("解決してよかったです"))
    assert updated["ts"] == answer["ts"] and button(updated, "faq_helped") is None


def test_helpdesk_with_a_question_answers_only_me_and_my_click_replaces_that_answer(pg):
    asked = call(pg, "/api/command", {"user": ALEX, "channel": "CHELPDESK", "text": "I can't connect to the VPN"})
    assert asked == (200, {"ok": True})
    answer = eventually(pg, ALEX, "CHELPDESK", with_text("VPN"))
    assert answer["ephemeral"] is True and answer["user_name"] == "窓口 madoguchi"
    assert not with_text("VPN")(state(pg, YAMADA, "CHELPDESK"))  # nobody else sees it

    helped = button(answer, "faq_helped")
    call(pg, "/api/action", {"user": ALEX, "where": {"kind": "ephemeral", "channel": "CHELPDESK", "ts": answer["ts"]},
                             "action": helped})
    replaced = eventually(pg, ALEX, "CHELPDESK", lambda s: next(
        (m for m in s["messages"] if m["ts"] == answer["ts"] and button(m, "faq_helped") is None), None))
    assert replaced["ephemeral"] is True


def expense_form(pg: Playground, invoice_number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """/helpdesk → 経費精算: the open form, and a ¥1,200 train fare filled in as the person would."""
    call(pg, "/api/command", {"user": YAMADA, "channel": "dm", "text": ""})
    picker = eventually(pg, YAMADA, "dm", lambda s: s["modals"] and s["modals"][-1])
    call(pg, "/api/action", {"user": YAMADA, "where": {"kind": "view", "view_id": picker["id"]},
                             "action": {"type": "button", "action_id": "intake_pick_type", "block_id": "pick:expense",
                                        "value": "expense"}, "state": {"values": {}}})
    form = eventually(pg, YAMADA, "dm", lambda s: s["modals"] and s["modals"][-1]["hash"] != picker["hash"]
                      and s["modals"][-1])
    values = {
        "field_category": {"value": {"type": "static_select", "selected_option": {"value": "transport"}}},
        "field_amount": {"value": {"type": "number_input", "value": "1200"}},
        "field_spent_on": {"value": {"type": "datepicker",
                                     "selected_date": pg.clock.now().astimezone(JST).date().isoformat()}},
        "field_purpose": {"value": {"type": "plain_text_input", "value": "客先訪問の電車代"}},
        "field_invoice_number": {"value": {"type": "plain_text_input", "value": invoice_number}},
    }
    return form, values


def test_a_field_the_bot_refuses_comes_back_as_errors_and_the_form_stays_open(pg):
    form, values = expense_form(pg, "T123")

    status, answer = call(pg, "/api/submit", {"user": YAMADA, "view_id": form["id"], "values": values})

    assert status == 200 and set(answer["errors"]) == {"field_invoice_number"}
    assert "13桁" in answer["errors"]["field_invoice_number"]
    assert [m["id"] for m in state(pg, YAMADA)["modals"]] == [form["id"]]  # still open, as Slack keeps it


def test_a_receipt_picked_in_the_form_is_uploaded_to_the_local_slack_and_kept_with_the_request(pg):
    form, values = expense_form(pg, "T7000012050002")
    receipt = b"%PDF-1.7 train fare 1,200 yen"

    status, uploaded = call(pg, "/api/upload", {"user": YAMADA, "name": "電車代.pdf", "mimetype": "application/pdf",
                                                "content_b64": base64.b64encode(receipt).decode()})
    assert status == 200 and uploaded["file"]["name"] == "電車代.pdf" and uploaded["file"]["size"] == len(receipt)
    values["field_receipts"] = {"value": {"type": "file_input", "files": [uploaded["file"]]}}
    values["field_payee"] = {"value": {"type": "plain_text_input", "value": "東日本旅客鉄道"}}
    status, answer = call(pg, "/api/submit", {"user": YAMADA, "view_id": form["id"], "values": values})

    assert status == 200 and "errors" not in answer, answer
    with pg.services.session_factory() as session:
        assert session.scalars(select(ReceiptFile.name)).all() == ["電車代.pdf"]
        assert pg.services.evidence.read(session, hashlib.sha256(receipt).hexdigest()) == receipt


@pytest.mark.parametrize("body", [
    {"user": YAMADA, "name": "a.pdf", "content_b64": "not base64!"},
    {"user": YAMADA, "name": "", "content_b64": "JVBERg=="},
    {"user": "UNOBODY", "name": "a.pdf", "content_b64": "JVBERg=="},
], ids=["bad bytes", "no name", "unknown person"])
def test_an_upload_that_is_not_a_file_from_a_known_person_is_refused(untouched, body):
    status, answer = call(untouched, "/api/upload", body)

    assert status == 400 and answer["ok"] is False
    assert untouched.slack.files() == []


def test_a_ticket_reaction_in_the_help_channel_opens_an_inquiry(pg):
    call(pg, "/api/say", {"user": YAMADA, "channel": "CHELPDESK", "text": "会議室のプロジェクターが映りません"})
    question = eventually(pg, YAMADA, "CHELPDESK", with_text("プロジェクター"))

    assert call(pg, "/api/react", {"user": YAMADA, "channel": "CHELPDESK", "ts": question["ts"],
                                   "reaction": "ticket"}) == (200, {"ok": True})

    assert eventually(pg, YAMADA, "dm", with_text("受付番号"))
    reacted = with_text("プロジェクター")(state(pg, YAMADA, "CHELPDESK"))
    assert {"name": "ticket", "users": [YAMADA], "count": 1} in reacted["reactions"]


def test_the_clock_jumps_to_monday_morning_and_the_digest_arrives_with_its_chart(pg):
    status, body = call(pg, "/api/clock", {"to": "digest"})
    assert status == 200 and "(月) 09:00" in body["now"]

    chart = eventually(pg, YAMADA, "CDIGEST01", lambda s: next((f for m in s["messages"] for f in m["files"]), None))
    assert with_text("週次ダイジェスト")(state(pg, YAMADA, "CDIGEST01"))
    with urllib.request.urlopen(pg.url + chart["url"].lstrip("/"), timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png" and response.read(8) == b"\x89PNG\r\n\x1a\n"


def submit_an_expense(pg: Playground) -> None:
    form, values = expense_form(pg, "T7000012050002")
    assert call(pg, "/api/submit", {"user": YAMADA, "view_id": form["id"], "values": values})[1].get("ok")
    eventually(pg, MANAGER, "dm", with_text("FIN-0001"))  # the approval request reaches the manager


@pytest.mark.parametrize(("start", "setup", "reader", "where", "text", "arrives_at"), [
    # Submitted Thursday 16:00: 8 business hours (09–18) later is Friday 15:00, one hour before the landing.
    (datetime(2026, 11, 26, 16, 0, tzinfo=JST), submit_an_expense, MANAGER, "dm", "期限を過ぎています",
     ("11/27(金) 15:00", "11/27(金) 15:05")),
    # Sunday evening +1 day: the digest is posted at Monday 09:00, not at Monday 20:00.
    (datetime(2026, 11, 29, 20, 0, tzinfo=JST), lambda pg: None, YAMADA, "CDIGEST01", "週次ダイジェスト",
     ("11/30(月) 09:00", "11/30(月) 09:05")),
], ids=["approval-reminder", "weekly-digest"])
def test_a_one_day_jump_delivers_what_falls_due_on_the_way_at_its_own_time(start, setup, reader, where, text,
                                                                          arrives_at):
    with Playground(Options(port=0, start=start)) as pg:
        setup(pg)

        status, body = call(pg, "/api/clock", {"hours": 24})

        assert status == 200 and body["now"].startswith(f"{start:%Y/%m}/{start.day + 1:02d}")
        arrived = eventually(pg, reader, where, with_text(text))
        assert arrived["time"] in arrives_at


@pytest.mark.parametrize(("path", "body", "headers", "raw", "status", "problem"), [
    ("/api/say", {"user": YAMADA, "channel": "dm", "text": "hi"}, {"Host": "evil.example:3000"}, None, 403, "host"),
    ("/api/say", None, {"Content-Type": "application/x-www-form-urlencoded"}, b"user=U&text=x", 415, "json_only"),
    ("/api/say", {"user": "UNOBODY01", "channel": "dm", "text": "hi"}, None, None, 400, "unknown_user"),
    ("/api/clock", {"hours": -3}, None, None, 400, "bad_clock"),
    ("/api/submit", {"user": YAMADA, "view_id": "V0000000999", "values": {}}, None, None, 400, "unknown_view"),
])
def test_what_the_ui_would_never_send_is_refused_with_a_reason(untouched, path, body, headers, raw, status, problem):
    answer_status, answer = call(untouched, path, body, headers=headers, raw=raw)
    assert (answer_status, answer["ok"], answer["problem"]) == (status, False, problem)


def test_a_large_contract_shows_the_joint_approval_and_the_circulation(pg):
    """The bundled config's contract review: ¥6,000,000 goes to the manager, then legal and finance together
    (合議), then general affairs is told (回付) and confirms."""
    legal, finance, general_affairs = "ULEGAL001", "UFINLEAD1", "UGAAGENT1"
    call(pg, "/api/command", {"user": YAMADA, "channel": "dm", "text": ""})
    picker = eventually(pg, YAMADA, "dm", lambda s: s["modals"] and s["modals"][-1])
    call(pg, "/api/action", {"user": YAMADA, "where": {"kind": "view", "view_id": picker["id"]},
                             "action": {"type": "button", "action_id": "intake_pick_type",
                                        "block_id": "pick:contract_review", "value": "contract_review"},
                             "state": {"values": {}}})
    form = eventually(pg, YAMADA, "dm", lambda s: s["modals"] and s["modals"][-1]["hash"] != picker["hash"]
                      and s["modals"][-1])
    text = {"type": "plain_text_input"}
    values = {
        "field_counterparty": {"value": {**text, "value": "株式会社サンプル"}},
        "field_contract_kind": {"value": {"type": "static_select", "selected_option": {"value": "service"}}},
        "field_template_side": {"value": {"type": "static_select", "selected_option": {"value": "theirs"}}},
        "field_due_on": {"value": {"type": "datepicker", "selected_date": "2026-12-25"}},
        "field_document_url": {"value": {"type": "url_text_input", "value": "https://files.example.co.jp/c/42"}},
        "field_amount": {"value": {"type": "number_input", "value": "6000000"}},
        "field_summary": {"value": {**text, "value": "業務委託。損害賠償条項を確認してください。"}},
    }
    status, answer = call(pg, "/api/submit", {"user": YAMADA, "view_id": form["id"], "values": values})
    assert status == 200 and "errors" not in answer, answer

    def approve(user: str) -> None:
        card = eventually(pg, user, "dm", with_text("承認依頼"))
        where = {"kind": "message", "channel": pg.slack.dm_channel(user), "ts": card["ts"]}
        assert call(pg, "/api/action", {"user": user, "where": where,
                                        "action": button(card, "approval_approve")}) == (200, {"ok": True})

    approve(MANAGER)
    assert eventually(pg, legal, "dm", with_text("合議（全員の承認が必要）"))
    approve(legal)
    assert eventually(pg, finance, "dm", with_text("小林 直樹（承認）"))
    approve(finance)
    told = eventually(pg, general_affairs, "dm", with_text("回付"))
    where = {"kind": "message", "channel": pg.slack.dm_channel(general_affairs), "ts": told["ts"]}
    call(pg, "/api/action", {"user": general_affairs, "where": where, "action": button(told, "approval_acknowledge")})
    assert eventually(pg, general_affairs, "dm", with_text("確認済み"))
