"""Forms: Slack's state values read back, validated per form in the user's language, shown to people."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import load_workspace
from bot.errors import ValidationFailed
from bot.fakeslack.state_values import state_value
from bot.forms import block_id, display_value, field_rows, read_state, title_for, validate_form
from bot.forms.views import request_form
from bot.settings import BUNDLED_CONFIG
from bot.slack_ids import IntakeAction

CONFIG = load_workspace(BUNDLED_CONFIG)
DEPARTMENTS = tuple(d.key for d in CONFIG.departments)
TODAY = date(2026, 12, 7)


def validate(type_key: str, raw: dict, locale: str = "ja") -> dict:
    return validate_form(CONFIG.request_type(type_key), raw, locale=locale, today=TODAY, departments=DEPARTMENTS)


def errors(type_key: str, raw: dict, locale: str = "ja") -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failure:
        validate(type_key, raw, locale)
    return {k.removeprefix("field_"): v for k, v in failure.value.field_errors.items()}


def test_each_input_element_reads_back_as_the_field_value():
    rt = CONFIG.request_type("account")
    state = {
        block_id("action"): {IntakeAction.FIELD: state_value("static_select", "create")},
        block_id("systems"): {IntakeAction.FIELD: state_value("multi_static_select", ["google", "vpn"])},
        block_id("target_user"): {IntakeAction.FIELD: state_value("users_select", "UEMPLOYEE2")},
        block_id("needed_on"): {IntakeAction.FIELD: state_value("datepicker", "2026-12-10")},
        block_id("reason"): {IntakeAction.FIELD: state_value("plain_text_input", None)},
    }

    assert read_state(rt, state) == {"action": "create", "systems": ["google", "vpn"], "target_user": "UEMPLOYEE2",
                                     "needed_on": "2026-12-10", "reason": None}


def test_valid_values_come_back_typed_and_json_ready():
    values = validate("equipment", {"item": "monitor", "quantity": "2", "amount": "¥45,000", "reason": " 2画面で作業 "})

    assert values == {"item": "monitor", "quantity": 2, "amount": 45000, "reason": "2画面で作業"}


@pytest.mark.parametrize(
    ("type_key", "raw", "field", "ja", "en"),
    [
        ("equipment", {"quantity": "0"}, "quantity", "1以上で入力してください。", "Please enter 1 or more."),
        ("equipment", {"quantity": "1.5"}, "quantity", "整数で入力してください（例: 12）。",
         "Please enter a whole number (e.g. 12)."),
        ("payment", {"amount": "abc"}, "amount",
         "金額は円単位の数字で入力してください（例: 50000、50,000、¥50,000、５０，０００円）。"
         "小数点や「万」は使えません。",
         "Please enter the amount in yen as a number: 50000, 50,000, ¥50,000 or 50,000円 all work "
         "(no decimals or words)."),
        ("contract_review", {"due_on": "2026-12-06"}, "due_on", "2026/12/07(月)以降の日付を選んでください。",
         "Please pick Mon, Dec 7, 2026 or later."),
        ("contract_review", {"document_url": "ftp://x"}, "document_url", "https:// から始まるURLを入力してください。",
         "Please enter a URL starting with https://."),
        ("account", {"systems": ["google", "mainframe"]}, "systems", "選択肢から選んでください。",
         "Please choose one of the options."),
        ("inquiry", {"subject": "x" * 151}, "subject", "150文字以内で入力してください。",
         "Please keep it within 150 characters."),
        ("inquiry", {"department": "sales"}, "department", "選択肢から選んでください。",
         "Please choose one of the options."),
        ("payment", {"vendor_status": "new"}, "bank_details", "新規取引先は振込先口座の記入が必要です。",
         "A new supplier needs its bank account details."),
    ],
)
def test_each_error_is_worded_for_its_field_in_both_languages(type_key, raw, field, ja, en):
    assert errors(type_key, raw, "ja")[field] == ja
    assert errors(type_key, raw, "en")[field] == en


def test_every_missing_required_field_is_named_at_once():
    assert errors("contract_review", {}) == {key: "入力してください。" for key in
                                             ("counterparty", "contract_kind", "template_side", "due_on",
                                              "document_url", "summary")}


def test_values_read_back_for_people():
    rt = CONFIG.request_type("expense")
    values = {"category": "travel", "amount": 125000, "spent_on": "2026-12-04", "purpose": "大阪出張 <!channel>",
              "receipt_url": "https://drive.example.com/r/1"}

    assert display_value(rt, "spent_on", values["spent_on"], "ja", CONFIG) == "2026/12/04(金)"
    assert display_value(rt, "spent_on", values["spent_on"], "en", CONFIG) == "Fri, Dec 4, 2026"
    assert display_value(rt, "category", "travel", "en", CONFIG) == "Business trip"
    assert title_for(rt, values, "ja", CONFIG) == "出張旅費 / ¥125,000 / 大阪出張 <!channel>"
    rows = dict(field_rows(rt, values, "ja", CONFIG))
    assert rows["金額（税込）"] == "¥125,000"
    assert rows["用途・目的"] == "大阪出張 &lt;!channel&gt;"  # typed text cannot ping a channel
    assert rows["領収書・レシートのリンク"] == "<https://drive.example.com/r/1>"


@pytest.mark.parametrize(
    ("field", "element"),
    [("category", "static_select"), ("amount", "plain_text_input"), ("spent_on", "datepicker"),
     ("purpose", "plain_text_input"), ("receipt_url", "url_text_input")],
)
def test_the_form_uses_the_native_input_for_each_field_type(field, element):
    view = request_form(CONFIG.request_type("expense"), "ja", CONFIG, metadata="{}")
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}

    assert blocks[block_id(field)]["element"]["type"] == element
    assert blocks[block_id(field)]["element"]["action_id"] == IntakeAction.FIELD


def test_a_prefilled_form_keeps_values_and_flags_fields_to_fix():
    rt = CONFIG.request_type("expense")
    view = request_form(rt, "ja", CONFIG, metadata="{}", flagged=["amount"],
                        initial={"category": "travel", "amount": 125000, "spent_on": "2026-12-04"})
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}

    assert blocks[block_id("category")]["element"]["initial_option"]["value"] == "travel"
    assert blocks[block_id("amount")]["element"]["initial_value"] == "125000"
    assert blocks[block_id("amount")]["label"]["text"].startswith("⚠️")
    assert blocks[block_id("spent_on")]["element"]["initial_date"] == "2026-12-04"
    assert len(view["title"]["text"]) <= 24 and len(view["blocks"]) <= 100
