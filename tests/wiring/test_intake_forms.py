"""Every way into a request form, over signed HTTP against the fake Slack: the type picker, the form,
its field errors in the user's language, the fix, the ticket — and the doors that skip the picker
(message shortcut, 🎫 in a help channel). A submission Slack sends twice is one ticket."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.forms import block_id
from bot.slack_ids import Action, IntakeShortcut
from tests.wiring.intake_steps import (
    EMPLOYEE,
    EMPLOYEE_EN,
    GA_AGENT,
    HELP_CHANNEL,
    IT_AGENT,
    card,
    desk_fixture,  # noqa: F401 - the `desk` fixture
    dm_with,
    everything,
    form_values,
    latest_ticket,
    modal,
    open_picker,
    pick,
    request,
    submit_form,
    thread,
    tickets,
)

JST = ZoneInfo("Asia/Tokyo")


def today() -> date:
    return datetime.now(JST).date()


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def field_labels(view: dict) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


# -- /helpdesk → picker → form → errors → fixed → ticket ---------------------------------------------
def test_helpdesk_alone_opens_the_type_picker_grouped_by_department(desk):
    picker = open_picker(desk, EMPLOYEE)

    shown = everything(picker)
    assert picker["title"]["text"] == "申請する"
    for name in ("経費精算", "支払依頼", "休暇・勤怠修正", "入社・退社手続き", "アカウント・権限申請", "備品・PC申請",
                 "契約書レビュー依頼", "ハラスメント・コンプライアンス相談", "問い合わせ"):
        assert name in shown
    assert "経理・財務" in shown and "IT・システム" in shown


def test_an_expense_goes_from_picker_to_errors_next_to_each_field_to_a_ticket(desk):
    open_picker(desk, EMPLOYEE)
    form = pick(desk, EMPLOYEE, "expense")
    assert form["title"]["text"] == "経費精算"
    assert field_labels(form)[:3] == ["費目 *", "金額（税込） *", "利用日 *"]

    # First try: a meeting cost with no receipt, tomorrow's date, no purpose.
    wrong = submit_form(desk, EMPLOYEE, "expense", {"category": "meeting", "amount": 5800, "spent_on": days(1)})

    assert wrong.body["response_action"] == "errors"
    assert wrong.body["errors"] == {
        block_id("spent_on"): f"{today():%Y/%m/%d}({'月火水木金土日'[today().weekday()]})までの日付を選んでください。",
        block_id("purpose"): "入力してください。",
        block_id("receipts"): "交通費以外は金額にかかわらず領収書（ファイルまたはリンク）が必要です。",
    }
    assert tickets(desk) == []
    assert modal(desk, EMPLOYEE)["id"] == form["id"]  # the form stays open with what was typed

    fixed = submit_form(desk, EMPLOYEE, "expense", {
        "category": "meeting", "amount": 5800, "spent_on": days(-2), "purpose": "A社との打ち合わせ（3名）",
        "receipt_url": "https://drive.example.com/receipts/123",
    })

    assert fixed.body["response_action"] == "update"
    assert "FIN-0001" in everything(fixed.body["view"])
    ticket = latest_ticket(desk)
    assert (ticket.number, ticket.department, ticket.status) == ("FIN-0001", "finance", "submitted")
    assert ticket.fields == {"category": "meeting", "amount": 5800, "spent_on": days(-2),
                             "purpose": "A社との打ち合わせ（3名）", "receipt_url": "https://drive.example.com/receipts/123"}
    assert ticket.title == "会議費 / ¥5,800 / A社との打ち合わせ（3名）"
    assert ticket.first_response_due is not None and ticket.resolution_due > ticket.first_response_due


def test_field_errors_speak_the_users_language(desk):
    open_picker(desk, EMPLOYEE_EN)
    form = pick(desk, EMPLOYEE_EN, "leave")
    assert form["title"]["text"] == "Leave / attendance fix"

    reply = submit_form(desk, EMPLOYEE_EN, "leave", {"kind": "clock_fix", "start_on": days(0), "end_on": days(-1)})

    assert reply.body["errors"] == {
        block_id("end_on"): "Please pick a date on or after “First day (or the day to fix)”.",
        block_id("times"): "Clock corrections and overtime need the times.",
        block_id("reason"): "Special leave, clock corrections and overtime need a reason.",
    }


@pytest.mark.parametrize(
    ("values", "block", "message"),
    [
        ({"amount": 0}, "amount", "¥1以上で入力してください。"),
        ({"amount": 20_000_000}, "amount", "¥10,000,000以下で入力してください。"),
        ({"receipt_url": "drive/receipt.pdf"}, "receipt_url", "https:// から始まるURLを入力してください。"),
        ({"invoice_number": "T12345"}, "invoice_number", "登録番号は「T」に続く13桁の数字で入力してください。"),
        ({"invoice_number": "T1234567890123"}, "invoice_number",
         "登録番号の数字に誤りがあります。請求書・領収書に記載の番号をもう一度ご確認ください。"),
        ({"spent_on": "2020-01-01"}, "spent_on", None),
    ],
)
def test_the_server_checks_what_the_modal_cannot(desk, values, block, message):
    good = {"category": "transport", "amount": 1200, "spent_on": days(-1), "purpose": "客先訪問（渋谷）"}
    open_picker(desk, EMPLOYEE)
    pick(desk, EMPLOYEE, "expense")

    reply = submit_form(desk, EMPLOYEE, "expense", {**good, **values})

    assert reply.body["response_action"] == "errors"
    assert list(reply.body["errors"]) == [block_id(block)]
    if message:
        assert reply.body["errors"][block_id(block)] == message


def test_the_receipt_becomes_required_from_30000_yen_of_transport(desk):
    open_picker(desk, EMPLOYEE)
    pick(desk, EMPLOYEE, "expense")
    base = {"category": "transport", "spent_on": days(-1), "purpose": "出張（新大阪）"}

    below = submit_form(desk, EMPLOYEE, "expense", {**base, "amount": 29_999})
    assert below.body["response_action"] == "update"

    open_picker(desk, EMPLOYEE)
    pick(desk, EMPLOYEE, "expense")
    above = submit_form(desk, EMPLOYEE, "expense", {**base, "amount": 30_000})
    assert above.body["errors"] == {
        block_id("receipts"): "3万円以上の交通費は領収書（ファイルまたはリンク）が必要です。"}


# -- one submission, one ticket ------------------------------------------------------------------------
def test_a_submission_slack_sends_twice_is_one_ticket(desk):
    open_picker(desk, EMPLOYEE)
    form = pick(desk, EMPLOYEE, "inquiry")
    values = {"subject": "会議室の予約方法", "details": "来週の会議室の予約方法を教えてください"}

    first = submit_form(desk, EMPLOYEE, "inquiry", values, view=form)
    retry = submit_form(desk, EMPLOYEE, "inquiry", values, view=form)

    assert [t.number for t in tickets(desk)] == ["GA-0001"]
    assert "GA-0001" in everything(first.body["view"]) and "GA-0001" in everything(retry.body["view"])
    assert len(desk.slack.messages("CGENERAL")) == 1


def test_a_double_click_on_submit_racing_itself_is_one_ticket(desk):
    open_picker(desk, EMPLOYEE)
    form = pick(desk, EMPLOYEE, "inquiry")
    values = form_values(desk, "inquiry", {"subject": "名刺の追加", "details": "名刺を100枚追加で作りたいです"})
    replies = []

    def click_submit() -> None:
        replies.append(desk.requester.view_submission(user_id=EMPLOYEE, view=form, values=values))

    clicks = [threading.Thread(target=click_submit) for _ in range(4)]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join()
    desk.deliver()

    assert [r.status for r in replies] == [200] * 4
    assert len(tickets(desk)) == 1
    assert {r.body["response_action"] for r in replies} == {"update"}


# -- the other doors ---------------------------------------------------------------------------------
def test_the_global_shortcut_opens_the_same_picker(desk):
    reply = desk.requester.global_shortcut(callback_id=IntakeShortcut.NEW_REQUEST, user_id=EMPLOYEE_EN)

    assert reply.status == 200
    assert modal(desk, EMPLOYEE_EN)["title"]["text"] == "New request"


def test_the_home_button_opens_the_same_picker(desk):
    home = {"id": "VHOME", "type": "home", "blocks": []}
    reply = desk.requester.block_action(user_id=EMPLOYEE, action_id=Action.HOME_NEW_REQUEST, view=home)

    assert reply.status == 200
    assert modal(desk, EMPLOYEE)["title"]["text"] == "申請する"


def open_by_shortcut(bot, user):  # type: ignore[no-untyped-def]
    return bot.requester.global_shortcut(callback_id=IntakeShortcut.NEW_REQUEST, user_id=user)


def open_from_home(bot, user):  # type: ignore[no-untyped-def]
    return bot.requester.block_action(user_id=user, action_id=Action.HOME_NEW_REQUEST,
                                      view={"id": "VHOME", "type": "home", "blocks": []})


@pytest.mark.parametrize("door", [open_picker, open_by_shortcut, open_from_home],
                         ids=["helpdesk", "global_shortcut", "home_button"])
def test_every_door_to_the_picker_ends_in_the_same_form_and_a_ticket(desk, door):
    door(desk, EMPLOYEE)
    form = pick(desk, EMPLOYEE, "equipment")
    assert form["title"]["text"] == "備品・PC申請"

    reply = submit_form(desk, EMPLOYEE, "equipment", {"item": "monitor", "quantity": 1,
                                                       "reason": "在宅勤務用に外部モニターが欲しい"})

    assert reply.body["response_action"] == "update", reply.body
    ticket = latest_ticket(desk)
    assert (ticket.number, ticket.department, ticket.requester_id) == ("IT-0001", "it", EMPLOYEE)
    assert "IT-0001" in everything(card(desk, "it", "IT-0001"))
    assert "受付番号 IT-0001" in everything(dm_with(desk, EMPLOYEE, "IT-0001"))


def test_the_message_shortcut_prefills_an_inquiry_and_suggests_its_department(desk):
    text = "自宅からVPNにつながりません。\n昨日までは使えていました。"
    message = desk.slack.user_says("CGENERALCHAT", EMPLOYEE, text)
    reply = desk.requester.message_shortcut(callback_id=IntakeShortcut.INQUIRY_FROM_MESSAGE, user_id=EMPLOYEE,
                                            channel_id="CGENERALCHAT", message=message)
    assert reply.status == 200

    form = modal(desk, EMPLOYEE)
    initial = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert initial[block_id("subject")]["initial_value"] == "自宅からVPNにつながりません。"
    assert initial[block_id("details")]["initial_value"].endswith("昨日までは使えていました。")
    assert initial[block_id("department")]["initial_option"]["value"] == "it"  # added by views.update
    assert "IT・システム" in everything(form) and "元のメッセージ" in everything(form)
    views_calls = [c.method for c in desk.slack.calls() if c.method.startswith("views.")]
    assert views_calls[-2:] == ["views.open", "views.update"]

    submit_form(desk, EMPLOYEE, "inquiry", {"subject": "自宅からVPNにつながりません。",
                                            "details": "自宅からVPNにつながりません。\n昨日までは使えていました。",
                                            "department": "it"})

    ticket = latest_ticket(desk)
    assert (ticket.number, ticket.requester_id) == ("IT-0001", EMPLOYEE)
    assert "archives/CGENERALCHAT" in everything(card(desk, "it", "IT-0001"))


def test_an_inquiry_without_a_department_is_routed_from_its_text(desk):
    ticket = request(desk, EMPLOYEE_EN, "inquiry", {"subject": "Payslip question",
                                                    "details": "My payslip shows the wrong commuting allowance."})

    assert (ticket.number, ticket.department) == ("HR-0001", "hr")


def test_a_ticket_emoji_in_a_help_channel_opens_an_inquiry_and_answers_in_the_thread(desk):
    question = desk.slack.user_says(HELP_CHANNEL, EMPLOYEE, "社員証をなくしてしまいました。再発行できますか？")
    reaction = {"type": "reaction_added", "user": GA_AGENT, "reaction": "ticket", "item_user": EMPLOYEE,
                "item": {"type": "message", "channel": HELP_CHANNEL, "ts": question["ts"]}, "event_ts": "1.0"}

    assert desk.requester.event(reaction).status == 200
    desk.deliver()

    ticket = latest_ticket(desk)
    assert (ticket.number, ticket.requester_id, ticket.department) == ("GA-0001", EMPLOYEE, "general_affairs")
    assert ticket.fields["subject"] == "社員証をなくしてしまいました。再発行できますか？"
    replies = thread(desk, HELP_CHANNEL, question["ts"])
    assert len(replies) == 1 and "GA-0001" in replies[0]["text"] and "総務" in replies[0]["text"]
    assert "GA-0001" in dm_with(desk, EMPLOYEE, "GA-0001")["text"]

    # Someone else adds 🎫 too: still one ticket, no second reply.
    again = {**reaction, "user": IT_AGENT, "event_ts": "2.0"}
    desk.requester.event(again)
    desk.deliver()
    assert len(tickets(desk)) == 1 and len(thread(desk, HELP_CHANNEL, question["ts"])) == 1


@pytest.mark.parametrize(("channel", "emoji"), [("CRANDOM", "ticket"), (HELP_CHANNEL, "eyes")])
def test_other_reactions_and_channels_open_nothing(desk, channel, emoji):
    message = desk.slack.user_says(channel, EMPLOYEE, "VPNにつながりません")
    event = {"type": "reaction_added", "user": GA_AGENT, "reaction": emoji,
             "item": {"type": "message", "channel": channel, "ts": message["ts"]}, "event_ts": "1.0"}

    assert desk.requester.event(event).status == 200
    assert tickets(desk) == []
