"""The playground's Block Kit renderer, in a real browser, drawing the views the bot really sends.

Every view here comes from the bot's own pure builders (bot/views, bot/digest); the tests read what a
person would see, use the controls as they would, and check that what comes back (view.state.values,
block_actions actions) is what Slack would send, by feeding it to the bot's own readers and validators."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from bot.approvals.views import (
    FIELDS_BLOCK,
    FIELDS_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    Change,
    FieldRow,
    StepCard,
    reason_modal,
    request_message,
)
from bot.config import load_workspace
from bot.config.catalog import FormField
from bot.config.text import LocalizedText
from bot.digest.numbers import (
    ApprovalNumbers,
    DepartmentNumbers,
    DeskWeek,
    Digest,
    EvidenceNumbers,
    Satisfaction,
    Spread,
    StalledItem,
)
from bot.digest.view import digest_message, digest_plain
from bot.errors import ValidationFailed
from bot.fakeslack.state_values import state_value
from bot.faqdesk.stats import FaqNumbers
from bot.faqdesk.values import CompanyValues
from bot.faqdesk.views import answer_message
from bot.forms import block_id, read_state, validate_form
from bot.forms.validate import validate_fields
from bot.forms.views import request_form, type_picker
from bot.i18n import t
from bot.i18n.mrkdwn import link
from bot.settings import BUNDLED_CONFIG
from bot.slack_ids import Action, ApprovalAction, FaqAction, IntakeAction, TicketAction
from bot.tickets.card_view import card
from bot.tickets.facts_view import TicketFacts
from bot.tickets.home_view import my_requests
from bot.views.home import home_view
from faq.engine import FaqDoc
from handlers.values import pointer
from tests.browser.blockkit_page import Screen, page_html

CONFIG = load_workspace(BUNDLED_CONFIG)
DEPARTMENTS = tuple(d.key for d in CONFIG.departments)
TODAY = date(2026, 12, 7)
USERS = [{"id": p.slack_id, "name": p.name} for p in CONFIG.org.people if p.slack_id]
PEOPLE = {u["id"]: u["name"] for u in USERS}


@pytest.fixture(scope="module")
def renderer_page(chromium: Any) -> Iterator[Any]:
    """One page for the module (loading it is most of a test's cost); each test starts from a blank stage."""
    page = chromium.new_page(viewport={"width": 900, "height": 1100})
    page.set_content(page_html())
    yield page
    page.close()


@pytest.fixture
def screen(renderer_page: Any) -> Iterator[Screen]:
    page = renderer_page
    errors: list[str] = []

    def thrown(error: Any) -> None:
        errors.append(str(error))

    page.on("pageerror", thrown)
    page.evaluate("() => reset()")
    yield Screen(page)
    page.remove_listener("pageerror", thrown)
    assert errors == [], f"the renderer threw in the page: {errors}"


def form(type_key: str, locale: str = "ja", **kwargs: Any) -> dict[str, Any]:
    return request_form(CONFIG.request_type(type_key), locale, CONFIG, metadata="{}", **kwargs)


def validate(type_key: str, values: dict[str, Any], locale: str = "ja") -> dict[str, Any]:
    rt = CONFIG.request_type(type_key)
    return validate_form(rt, read_state(rt, values), locale=locale, today=TODAY, departments=DEPARTMENTS)


def element_types(view: dict[str, Any]) -> dict[str, str]:
    return {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}


# -- request forms ---------------------------------------------------------------------------------
def test_a_request_form_shows_its_title_its_fields_and_its_buttons(screen):
    rt = CONFIG.request_type("account")
    screen.show_view(form("account"), users=USERS)

    assert screen.root.locator(".bk-modal-title").inner_text() == rt.name.get("ja")
    assert screen.root.locator(".bk-submit").inner_text() == t("ja", "form.submit")
    assert screen.root.locator(".bk-close").inner_text() == t("ja", "form.cancel")
    for f in rt.fields:
        label = screen.block(block_id(f.key)).locator(".bk-label").inner_text()
        assert f.label.get("ja") in label
        assert ("（任意）" in label) is not f.required
    tags = {f.key: screen.control(block_id(f.key)).evaluate("n => n.tagName + (n.multiple ? '[multiple]' : '') + "
                                                            "(n.type ? ':' + n.type : '')") for f in rt.fields}
    assert tags == {"action": "SELECT:select-one", "systems": "DIV",
                    "target_user": "SELECT:select-one", "target_name": "INPUT:text", "needed_on": "INPUT:date",
                    "reason": "TEXTAREA:textarea"}
    assert t("ja", "form.required_note").replace("*", "").strip() in screen.text()


def sample(f: FormField) -> Any:
    """A value a person could have filled in for this field (used to pre-fill a form)."""
    if f.type == "text":
        return "テスト入力です"
    if f.type == "invoice_number":
        return "T7000012050002"  # the check digit right (国税庁's own 法人番号)
    if f.type == "file":
        return []  # Slack cannot pre-fill a file input: it reads back as no files
    if f.type == "textarea":
        return "一行目の説明です。\n二行目の説明です。"
    if f.type in ("number", "amount"):
        return int(max(f.min or 0, 1))
    if f.type == "date":  # three days ahead, or as near as the field allows (min/max: days from today)
        days = min(max(3, f.min if f.min is not None else 3), f.max if f.max is not None else 3)
        return (TODAY + timedelta(days=days)).isoformat()
    if f.type == "user":
        return "UEMPLOYEE2"
    if f.type == "url":
        return "https://example.com/doc?id=1&v=2"
    if f.type == "email":
        return "alex@example.com"
    if f.type == "department":
        return "finance"
    if f.type == "select":
        return f.options[0].value
    return [o.value for o in f.options[: min(2, int(f.max or 2))]]


@pytest.mark.parametrize("type_key", [rt.key for rt in CONFIG.request_types])
def test_every_prefilled_form_reads_back_as_what_was_filled_and_the_bot_accepts_it(screen, type_key):
    rt = CONFIG.request_type(type_key)
    filled = {f.key: sample(f) for f in rt.fields}
    view = form(type_key, initial=filled)
    screen.show_view(view, users=USERS)

    values = screen.values()

    assert {b: {a: e["type"] for a, e in v.items()} for b, v in values.items()} == {
        b: {IntakeAction.FIELD: kind} for b, kind in element_types(view).items()}
    assert read_state(rt, values) == {k: str(v) if isinstance(v, int) else v for k, v in filled.items()}
    assert validate(type_key, values)  # the bot's own validator takes the renderer's state as Slack's


def test_a_person_fills_the_account_form_and_the_state_is_slacks(screen):
    screen.show_view(form("account"), users=USERS)

    screen.control(block_id("action")).select_option("create")
    for system in ("google", "vpn"):
        screen.control(block_id("systems")).locator("select").select_option(system)
    screen.control(block_id("target_user")).select_option("UEMPLOYEE2")
    screen.control(block_id("needed_on")).fill("2026-12-10")
    screen.control(block_id("reason")).fill("4月入社のAlexさんのアカウントを作成してください。")
    values = screen.values()

    assert values[block_id("target_user")][IntakeAction.FIELD] == state_value("users_select", "UEMPLOYEE2")
    assert values[block_id("needed_on")][IntakeAction.FIELD] == state_value("datepicker", "2026-12-10")
    assert values[block_id("reason")][IntakeAction.FIELD] == state_value(
        "plain_text_input", "4月入社のAlexさんのアカウントを作成してください。")
    chosen = values[block_id("systems")][IntakeAction.FIELD]["selected_options"]
    rt = CONFIG.request_type("account")
    labels = {o.value: o.label.get("ja") for o in rt.field("systems").options}
    assert [(o["value"], o["text"]["text"]) for o in chosen] == [("google", labels["google"]), ("vpn", labels["vpn"])]
    assert validate("account", values) == {"action": "create", "systems": ["google", "vpn"],
                                           "target_user": "UEMPLOYEE2", "needed_on": "2026-12-10",
                                           "reason": "4月入社のAlexさんのアカウントを作成してください。"}


def test_an_empty_submission_shows_the_bots_own_errors_in_red_under_each_field(screen):
    view = form("account")
    screen.show_view(view, users=USERS)
    with pytest.raises(ValidationFailed) as failure:
        validate("account", screen.values())
    errors = failure.value.field_errors

    screen.show_view(view, users=USERS, errors=errors)

    assert set(errors) == {block_id("action"), block_id("systems"), block_id("reason")}
    assert screen.errors_shown() == errors
    red = screen.block(block_id("action")).locator(".bk-error").evaluate("n => getComputedStyle(n).color")
    assert red == "rgb(224, 30, 90)"
    assert screen.block(block_id("needed_on")).locator(".bk-error").is_hidden()
    screen.screenshot("request_form_errors.png")


def tokens(control: Any) -> list[str]:
    return control.locator(".bk-token").evaluate_all("ts => ts.map((t) => t.firstChild.textContent)")


def test_a_multi_select_shows_its_choices_as_tokens_and_adds_from_a_dropdown_as_in_slack(screen):
    screen.show_view(form("account"), users=USERS)
    systems = screen.control(block_id("systems"))
    add = systems.locator("select.bk-token-add")

    assert screen.root.locator("select[multiple]").count() == 0  # no native list box anywhere
    assert tokens(systems) == []
    for label in ("Slack", "VPN", "Google Workspace"):
        add.select_option(label=label)
    assert tokens(systems) == ["Slack", "VPN", "Google Workspace"]
    # What is chosen is no longer offered; the menu's first line says it adds one more.
    assert add.locator("option").all_inner_texts()[0] == "追加する…"
    assert "Slack" not in add.locator("option").all_inner_texts()

    systems.get_by_role("button", name="「Slack」を外す").click()

    assert tokens(systems) == ["VPN", "Google Workspace"]
    assert "Slack" in add.locator("option").all_inner_texts()
    assert [o["value"] for o in screen.values()[block_id("systems")][IntakeAction.FIELD]["selected_options"]] == [
        "vpn", "google"]
    screen.screenshot("multi_select_tokens.png")


def test_a_multi_user_select_shows_people_as_tokens_and_reports_their_ids(screen):
    screen.show_view({"type": "modal", "title": {"type": "plain_text", "text": "共有"}, "blocks": [
        {"type": "input", "block_id": "people", "label": {"type": "plain_text", "text": "共有する相手"},
         "element": {"type": "multi_users_select", "action_id": "v", "initial_users": ["UEMPLOYEE1"],
                     "max_selected_items": 2}}]}, users=USERS)
    people = screen.control("people", "v")

    people.locator("select").select_option("UFINLEAD1")

    assert tokens(people) == [PEOPLE["UEMPLOYEE1"], PEOPLE["UFINLEAD1"]]
    assert people.locator("select").is_disabled()  # at max_selected_items, nothing more can be added
    assert screen.values()["people"]["v"] == state_value("multi_users_select", ["UEMPLOYEE1", "UFINLEAD1"])


def test_errors_answered_after_typing_keep_what_was_typed(screen):
    screen.show_view(form("equipment"), users=USERS)
    screen.control(block_id("quantity")).fill("3")
    screen.control(block_id("reason")).fill("PCの画面が割れたため")

    screen.page.evaluate("e => BlockKit.setErrors(window.root, e)",
                         {block_id("item"): t("ja", "form.errors.required")})

    assert screen.errors_shown() == {block_id("item"): t("ja", "form.errors.required")}
    assert screen.control(block_id("reason")).input_value() == "PCの画面が割れたため"
    screen.page.evaluate("() => BlockKit.setErrors(window.root, {})")
    assert screen.errors_shown() == {}


def test_the_modal_refuses_what_slack_refuses_before_sending(screen):
    screen.show_view(form("equipment"), users=USERS, submit=True)
    required = {block_id(f.key) for f in CONFIG.request_type("equipment").fields if f.required}

    screen.root.locator(".bk-submit").click()
    assert set(screen.errors_shown()) == required and screen.submitted() == []

    screen.control(block_id("item")).select_option(index=1)
    screen.control(block_id("quantity")).fill("51")
    screen.control(block_id("reason")).fill("増員のため")
    screen.root.locator(".bk-submit").click()
    assert screen.errors_shown() == {block_id("quantity"): "50以下の値を入力してください。"}

    screen.control(block_id("quantity")).fill("2")
    screen.root.locator(".bk-submit").click()
    assert screen.errors_shown() == {}
    [sent] = screen.submitted()
    assert validate("equipment", sent["values"])["quantity"] == 2

    screen.root.locator(".bk-close").click()
    assert screen.page.evaluate("() => window.closings") == 1


@pytest.mark.parametrize(("typed", "read"), [
    ("50000", 50000), ("５０，０００", 50000), ("５００００", 50000), ("¥50,000", 50000), ("￥50,000", 50000),
    ("50,000円", 50000), ("5万円", None), ("50,00", None),
])
def test_an_amount_is_typed_as_people_write_it_and_the_bot_reads_it_or_says_what_is_accepted(screen, typed, read):
    """The amount is a text input (Slack's own number input refuses ５０，０００ and ¥50,000 in the client,
    before the bot sees them): the modal sends what was typed, and the bot's one parser reads it."""
    screen.show_view(form("expense"), users=USERS, submit=True)
    screen.control(block_id("amount")).fill(typed)

    screen.root.locator(".bk-submit").click()
    assert block_id("amount") not in screen.errors_shown()  # nothing refused before sending

    rt = CONFIG.request_type("expense")
    typed_in = read_state(rt, {block_id("amount"): screen.values()[block_id("amount")]})
    try:
        amount = validate_fields(rt, typed_in, locale="ja", departments=DEPARTMENTS)["amount"]
    except ValidationFailed as refused:
        assert read is None
        assert refused.field_errors[block_id("amount")] == t("ja", "form.errors.amount")
    else:
        assert amount == read


def test_an_english_form_speaks_english(screen):
    rt = CONFIG.request_type("expense")
    screen.show_view(form("expense", locale="en"), locale="en")

    assert screen.root.locator(".bk-modal-title").inner_text() == rt.name.get("en")
    optional = [f for f in rt.fields if not f.required]
    assert optional and all("(optional)" in screen.block(block_id(f.key)).locator(".bk-label").inner_text()
                            for f in optional)
    assert screen.root.locator(".bk-submit").inner_text() == t("en", "form.submit")


def test_a_sent_back_form_flags_the_fields_to_fix(screen):
    screen.show_view(form("expense", flagged=["amount"], notes=["差戻し理由: 金額が領収書と違います"]))

    amount = screen.block(block_id("amount"))
    assert amount.locator(".bk-label").inner_text().startswith("⚠️")
    assert t("ja", "form.flagged").replace(":warning:", "⚠️") in amount.locator(".bk-hint").inner_text()
    assert "差戻し理由: 金額が領収書と違います" in screen.text()


def test_the_type_picker_offers_one_button_per_request_type(screen):
    screen.show_view(type_picker("ja", CONFIG))

    buttons = screen.root.locator(f'[data-action-id="{IntakeAction.PICK_TYPE}"]')
    assert buttons.count() == len(CONFIG.request_types)
    assert "🧾" in screen.block("pick:expense").inner_text()
    screen.block("pick:expense").get_by_role("button", name=t("ja", "picker.choose")).click()

    [action] = screen.actions()
    assert action["type"] == "button" and action["action_id"] == IntakeAction.PICK_TYPE
    assert (action["block_id"], action["value"]) == ("pick:expense", "expense")
    assert re.fullmatch(r"\d+\.\d{6}", action["action_ts"])


# -- approvals -------------------------------------------------------------------------------------
STEP = StepCard(
    ticket_number="FIN-0042", type_name="経費精算", title="大阪出張の交通費", requester="山田 太郎",
    rows=[FieldRow("amount", "金額", "¥128,000"), FieldRow("spent_on", "利用日", "2026/12/03"),
          FieldRow("receipt_url", "領収書", "https://files.example.com/receipts/42.pdf",
                   link("https://files.example.com/receipts/42.pdf"))],
    step_id=12, version=3, position=2, total=3,
    why="金額が10万円以上のため経理責任者の承認が必要です", round=2, changes=[Change("金額", "¥130,000", "¥128,000")],
)


def test_an_approval_dm_shows_the_request_and_the_five_decisions(screen):
    _, blocks = request_message("ja", STEP)
    screen.show_blocks(blocks)

    text = screen.text()
    assert "FIN-0042" in text and "経費精算" in text and "大阪出張の交通費" in text and "¥128,000" in text
    assert screen.root.locator("s", has_text="¥130,000").count() == 1
    link = screen.root.locator("a.bk-link")
    assert link.get_attribute("href") == "https://files.example.com/receipts/42.pdf"
    assert link.get_attribute("rel") == "noopener noreferrer"
    names = [t("ja", f"approvals.buttons.{k}")
             for k in ("approve", "approve_with_comment", "send_back", "reject", "details")]
    assert screen.root.locator(".bk-actions .bk-button").all_inner_texts() == names
    assert "bk-primary" in screen.button("承認").get_attribute("class")
    assert "bk-danger" in screen.button("却下").get_attribute("class")
    screen.screenshot("approval_dm.png")

    screen.button("承認").click()

    [action] = screen.actions()
    assert {k: action[k] for k in ("type", "action_id", "block_id", "value", "style")} == {
        "type": "button", "action_id": ApprovalAction.APPROVE, "block_id": "approval:12", "value": "12:3",
        "style": "primary"}
    assert action["text"]["text"] == "承認" and pointer(action["value"]) == (12, 3)


def test_a_decided_approval_says_who_decided_and_offers_nothing_more(screen):
    decided = dataclasses.replace(STEP, outcome="approved", decided_by="佐藤 経理", decided_at="12/07 10:15")
    _, blocks = request_message("ja", decided)
    screen.show_blocks(blocks)

    assert screen.root.locator(".bk-button").count() == 0
    assert "✅ " + t("ja", "approvals.outcome.approved", who="佐藤 経理", when="12/07 10:15") in screen.text()


def test_the_send_back_modal_collects_the_reason_and_the_fields_to_fix(screen):
    screen.show_view(reason_modal("ja", STEP, "sent_back", STEP.rows))

    assert screen.root.locator(".bk-modal-title").inner_text() == t("ja", "approvals.modal.title_sent_back")
    screen.control(REASON_BLOCK, REASON_INPUT).fill("領収書の金額と一致しません")
    screen.control(FIELDS_BLOCK, FIELDS_INPUT).get_by_label("金額").check()
    values = screen.values()

    assert values[REASON_BLOCK][REASON_INPUT] == state_value("plain_text_input", "領収書の金額と一致しません")
    fixes = values[FIELDS_BLOCK][FIELDS_INPUT]
    assert fixes["type"] == "checkboxes" and [o["value"] for o in fixes["selected_options"]] == ["amount"]


# -- the triage desk and the FAQ -------------------------------------------------------------------
FACTS = TicketFacts(
    id=7, number="FIN-0042", type_name="経費精算", emoji=":receipt:", title="大阪出張の交通費", status="submitted",
    department="経理・財務", department_key="finance", requester_id="UEMPLOYEE1", assignee_id=None,
    confidential=False, created="2026/12/07 10:00", first_response_due="2026/12/07 14:00",
    resolution_due="2026/12/10 14:00", rows=[("金額", "¥128,000")],
)


def test_a_ticket_card_names_people_and_offers_the_desk_buttons(screen):
    _, blocks = card(FACTS, "ja")
    screen.show_blocks(blocks, people=PEOPLE)

    assert screen.root.locator(".bk-header-text").inner_text() == "🧾 FIN-0042 経費精算"
    mention = screen.root.locator('.bk-mention[data-user-id="UEMPLOYEE1"]')
    assert mention.inner_text() == "@" + PEOPLE["UEMPLOYEE1"]
    assert screen.root.locator(".bk-fields .bk-field").count() == 5
    expected = [t("ja", f"tickets.buttons.{k}") for k in ("claim", "assign", "hold", "resolve", "reroute")]
    assert screen.root.locator(".bk-actions .bk-button").all_inner_texts() == expected

    screen.button(t("ja", "tickets.buttons.claim")).click()

    [action] = screen.actions()
    assert (action["action_id"], action["block_id"], action["value"]) == (TicketAction.CLAIM, "ticket_card:7", "7")


DOC = FaqDoc(id="faq-12", question="経費精算の締め日はいつですか？",
             answer="毎月*{{closing_day}}*です。\n詳しくは経費規程（{{rules_url}}）へ。")
COMPANY = CompanyValues(values={"closing_day": LocalizedText(ja="25日"),
                                "rules_url": LocalizedText(ja="https://intra.example.com/keihi")})


def test_an_faq_answer_shows_the_answer_and_asks_whether_it_helped(screen):
    _, blocks = answer_message("ja", 42, "answer", DOC, [], COMPANY)
    screen.show_blocks(blocks)

    assert screen.root.locator(".bk-section-text b").first.inner_text() == DOC.question
    assert screen.root.locator(".bk-section-text b", has_text="25日").count() == 1
    link = screen.root.get_by_role("link", name="https://intra.example.com/keihi")
    assert link.get_attribute("href") == "https://intra.example.com/keihi"
    assert "スコア" not in screen.root.inner_text()
    screen.button(t("ja", "faq.not_helped")).click()

    [action] = screen.actions()
    assert (action["action_id"], action["value"]) == (FaqAction.NOT_HELPED, "42")


def test_an_unsure_faq_answer_offers_its_guesses_and_a_person(screen):
    other = FaqDoc(id="faq-13", question="出張の日当はいくらですか？", answer="…")
    _, blocks = answer_message("ja", 43, "suggest", None, [DOC, other])
    screen.show_blocks(blocks)

    assert screen.root.locator(".bk-button").all_inner_texts() == [DOC.question, other.question,
                                                                  t("ja", "faq.ask_person")]
    screen.button(other.question).click()
    assert screen.actions()[0]["value"] == "43:faq-13"


# -- App Home and the digest ------------------------------------------------------------------------
def test_the_home_tab_lists_my_requests_and_starts_a_new_one(screen):
    mine = [FACTS, dataclasses.replace(FACTS, id=8, number="IT-0003", emoji=":key:", type_name="アカウント",
                                       title="VPNの権限", status="in_progress", assignee_id="UITAGENT1")]
    screen.show_view(home_view("ja", "山田 太郎", my_requests(mine, "ja", more=2)), people=PEOPLE)

    assert screen.root.get_attribute("class") == "bk-root bk-home"
    text = screen.text()
    assert t("ja", "home.welcome", name="山田 太郎") in text
    assert "FIN-0042" in text and "IT-0003" in text and "@" + PEOPLE["UITAGENT1"] in text
    assert t("ja", "tickets.home.more", count=2) in text
    screen.button(t("ja", "home.new_request")).click()

    [action] = screen.actions()
    assert action["action_id"] == Action.HOME_NEW_REQUEST and "value" not in action


def test_the_weekly_digest_shows_everything_the_dry_run_prints(screen):
    week = DeskWeek(new=12, resolved=9, backlog=5, first_response=Spread(9, 1.5, 3.0), resolution=Spread(9, 6.0, 20.0))
    last = DeskWeek(new=10, resolved=11, backlog=2)
    digest = Digest(
        week_start=date(2026, 11, 30), week_end=date(2026, 12, 6),
        departments=[DepartmentNumbers("finance", week, last)], total=DepartmentNumbers("total", week, last),
        approvals=ApprovalNumbers(8, 6, 1, 1, Spread(8, 4.0, 9.5), 1),
        approvals_last=ApprovalNumbers(5, 5, 0, 0, Spread(5, 3.0, 5.0), 0),
        stalled=[StalledItem("FIN-0040", "expense", ["UFINLEAD1"], 30.0, 2)],
        faq=FaqNumbers(40, 25, 5, 6, 4), faq_last=FaqNumbers(30, 18, 4, 5, 3),
        top_unanswered=[("住民税の特別徴収について", 3)],
        evidence=EvidenceNumbers(10, 1), evidence_last=EvidenceNumbers(8, 2),
        satisfaction=Satisfaction(6, 4.5), satisfaction_last=Satisfaction(4, 4.0),
    )
    _, blocks = digest_message("ja", digest, department_names={"finance": "経理・財務"},
                               type_names={"expense": "経費精算"}, names=PEOPLE.get)
    screen.show_blocks(blocks)

    shown = " ".join(screen.text().split())
    rows = [" ".join(row.split()) for row in screen.root.locator("tr").all_inner_texts()]
    for line in digest_plain(blocks).splitlines():
        line = " ".join(line.replace("*", "").split())
        if " | " in line:  # a row of the departments' table: the same cells, in one row of the table shown
            assert " ".join(line.split(" | ")) in rows
        elif line and not set(line) <= {"-"}:
            assert line in shown
    assert rows[1].startswith("経理・財務 12 (+2) 9 (-2) 5 (+3) 1.5h 6.0h")
    assert screen.root.locator(".bk-unsupported").count() == 0


# -- mrkdwn ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*太字* と _斜体_ と ~取消~", "<b>太字</b> と <i>斜体</i> と <s>取消</s>"),
        ("*申請*が届きました", "<b>申請</b>が届きました"),
        ("snake_case_name と 2*3*4", "snake_case_name と 2*3*4"),
        ("`a *not bold* <b>`", '<code class="bk-code">a *not bold* &lt;b&gt;</code>'),
        ("前\n```\n*そのまま*\n  字下げ\n```\n後", '前<br><pre class="bk-pre">*そのまま*\n  字下げ\n</pre><br>後'),
        ("> 引用1\n> 引用2\n本文", '<blockquote class="bk-quote">引用1<br>引用2</blockquote>本文'),
        (">>> 全部\n引用", '<blockquote class="bk-quote">全部<br>引用</blockquote>'),
        ("<https://example.com/a_b?x=1&amp;y=2|規程_v2>",
         '<a class="bk-link" href="https://example.com/a_b?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">'
         "規程_v2</a>"),
        ("*<@UEMPLOYEE1>* さん", '<b><span class="bk-mention" data-user-id="UEMPLOYEE1">@山田 太郎</span></b> さん'),
        ("<@UNKNOWN1>", '<span class="bk-mention" data-user-id="UNKNOWN1">@UNKNOWN1</span>'),
        ("<#CFINANCE|finance> <!here>",
         '<span class="bk-mention bk-channel" data-channel-id="CFINANCE">#finance</span> '
         '<span class="bk-mention bk-broadcast">@here</span>'),
        (":white_check_mark: 済 :warning: :no_such_emoji: 10:30:00", "✅ 済 ⚠️ :no_such_emoji: 10:30:00"),
        ("一行目\n\n三行目", "一行目<br><br>三行目"),
        ("A &amp; B &lt;tag&gt; \"q\" 'a'", "A &amp; B &lt;tag&gt; &quot;q&quot; &#39;a&#39;"),
        ("詳細は https://example.com/x_y を参照", '詳細は <a class="bk-link" href="https://example.com/x_y" '
         'target="_blank" rel="noopener noreferrer">https://example.com/x_y</a> を参照'),
    ],
)
def test_mrkdwn_formats_like_slack(screen, text, html):
    assert screen.page.evaluate("([t, p]) => BlockKit.mrkdwn(t, {userName: (id) => p[id]})",
                                [text, {"UEMPLOYEE1": "山田 太郎"}]) == html


HOSTILE = [
    "<script>window.pwned = 1</script>",
    "<img src=x onerror=\"window.pwned = 1\">",
    "<javascript:window.pwned=1|クリック>",
    '"><svg onload="window.pwned = 1">',
    "*<b onclick=\"window.pwned = 1\">*",
    "```</pre><script>window.pwned = 1</script>```",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_from_the_bot_becomes_markup(screen, text):
    plain = {"type": "plain_text", "text": text}
    screen.show_view({
        "type": "modal", "title": plain, "submit": plain, "close": plain,
        "blocks": [
            {"type": "header", "text": plain},
            {"type": "section", "text": {"type": "mrkdwn", "text": text}, "fields": [{"type": "mrkdwn", "text": text}]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": text}, plain]},
            {"type": "actions", "elements": [
                {"type": "button", "text": plain, "action_id": "b", "value": text},
                {"type": "static_select", "action_id": "s", "options": [{"text": plain, "value": "v"}]},
                {"type": "checkboxes", "action_id": "c", "options": [{"text": {"type": "mrkdwn", "text": text},
                                                                      "value": "v"}]}]},
            {"type": "input", "block_id": "i", "label": plain, "hint": plain,
             "element": {"type": "plain_text_input", "action_id": "t", "placeholder": plain, "initial_value": text}},
        ],
    }, errors={"i": text})

    assert screen.page.evaluate("() => window.pwned") is None
    dangerous = "script, img, svg, [onerror], [onload], [onclick], a[href^='javascript' i]"
    assert screen.root.locator(dangerous).count() == 0
    assert screen.root.locator(".bk-modal-title").inner_text() == text
    assert screen.control("i", "t").input_value() == text


# -- controls the bot does not use yet, as the contract promises them ------------------------------
def option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}


PRIORITIES = [option("high", "高"), option("normal", "中"), option("low", "低")]


def pick_select(screen: Screen) -> None:
    screen.control("controls", "grouped").select_option("low")


def pick_multi(screen: Screen) -> None:
    screen.control("controls", "multi").locator("select").select_option("low")


def pick_user(screen: Screen) -> None:
    screen.control("controls", "user").select_option("UFINLEAD1")


def pick_overflow(screen: Screen) -> None:
    screen.control("controls", "more").locator(".bk-overflow-toggle").click()
    screen.control("controls", "more").get_by_role("menuitem", name="再送する").click()


def pick_date(screen: Screen) -> None:
    screen.control("controls", "date").fill("2026-12-24")


def pick_checkbox(screen: Screen) -> None:
    screen.control("controls", "boxes").get_by_label("中").check()


def pick_radio(screen: Screen) -> None:
    screen.control("controls", "radio").get_by_label("低").check()


def pick_time(screen: Screen) -> None:
    screen.control("controls", "time").fill("09:30")


CONTROLS = [{
    "type": "actions", "block_id": "controls", "elements": [
        {"type": "static_select", "action_id": "grouped", "placeholder": {"type": "plain_text", "text": "優先度"},
         "option_groups": [{"label": {"type": "plain_text", "text": "急ぎ"}, "options": PRIORITIES[:1]},
                           {"label": {"type": "plain_text", "text": "通常"}, "options": PRIORITIES[1:]}]},
        {"type": "multi_static_select", "action_id": "multi", "options": PRIORITIES,
         "initial_options": PRIORITIES[:1]},
        {"type": "users_select", "action_id": "user"},
        {"type": "overflow", "action_id": "more", "options": [option("resend", "再送する"), option("close", "閉じる")]},
        {"type": "datepicker", "action_id": "date", "initial_date": "2026-12-01"},
        {"type": "checkboxes", "action_id": "boxes", "options": PRIORITIES},
        {"type": "radio_buttons", "action_id": "radio", "options": PRIORITIES, "initial_option": PRIORITIES[0]},
        {"type": "timepicker", "action_id": "time"},
    ]}]


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        (pick_select, {"type": "static_select", "action_id": "grouped", "selected_option": PRIORITIES[2]}),
        (pick_multi, {"type": "multi_static_select", "action_id": "multi",
                      "selected_options": [PRIORITIES[0], PRIORITIES[2]]}),
        (pick_user, {"type": "users_select", "action_id": "user", "selected_user": "UFINLEAD1"}),
        (pick_overflow, {"type": "overflow", "action_id": "more", "selected_option": option("resend", "再送する")}),
        (pick_date, {"type": "datepicker", "action_id": "date", "selected_date": "2026-12-24"}),
        (pick_checkbox, {"type": "checkboxes", "action_id": "boxes", "selected_options": [PRIORITIES[1]]}),
        (pick_radio, {"type": "radio_buttons", "action_id": "radio", "selected_option": PRIORITIES[2]}),
        (pick_time, {"type": "timepicker", "action_id": "time", "selected_time": "09:30"}),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_each_control_in_a_message_reports_a_slack_shaped_action(screen, use, expected):
    screen.show_blocks(CONTROLS, users=USERS)

    use(screen)

    [action] = screen.actions()
    assert action.pop("action_ts") and action == {**expected, "block_id": "controls"}


def test_an_open_overflow_menu_closes_when_clicking_elsewhere(screen):
    screen.show_blocks(CONTROLS, users=USERS)
    more = screen.control("controls", "more")

    more.locator(".bk-overflow-toggle").click()
    assert more.get_by_role("menuitem", name="再送する").is_visible()
    screen.root.locator(".bk-block").first.click(position={"x": 2, "y": 2})

    assert more.get_by_role("menuitem", name="再送する").is_hidden() and screen.actions() == []


def test_a_button_with_confirm_asks_first(screen):
    screen.show_blocks([{"type": "actions", "block_id": "danger", "elements": [{
        "type": "button", "action_id": "withdraw", "value": "7", "style": "danger",
        "text": {"type": "plain_text", "text": "取り下げる"},
        "confirm": {"title": {"type": "plain_text", "text": "取り下げますか？"},
                    "text": {"type": "mrkdwn", "text": "この操作は元に戻せません。"},
                    "confirm": {"type": "plain_text", "text": "取り下げる"},
                    "deny": {"type": "plain_text", "text": "やめる"}}}]}])
    asked: list[str] = []

    def answer(accept: bool):
        def handle(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    screen.page.once("dialog", answer(False))
    screen.button("取り下げる").click()
    assert screen.actions() == []
    screen.page.once("dialog", answer(True))
    screen.button("取り下げる").click()

    assert asked == ["取り下げますか？\n\nこの操作は元に戻せません。"] * 2
    assert [(a["action_id"], a["value"]) for a in screen.actions()] == [("withdraw", "7")]


def test_only_dispatch_action_inputs_speak_before_submit(screen):
    select = {"type": "static_select", "action_id": "value", "options": PRIORITIES}
    screen.show_view({"type": "modal", "title": {"type": "plain_text", "text": "優先度"}, "blocks": [
        {"type": "input", "block_id": "live", "dispatch_action": True, "label": {"type": "plain_text", "text": "即時"},
         "element": select},
        {"type": "input", "block_id": "quiet", "label": {"type": "plain_text", "text": "送信時"}, "element": select},
        {"type": "input", "block_id": "typed", "dispatch_action": True, "label": {"type": "plain_text", "text": "検索"},
         "element": {"type": "plain_text_input", "action_id": "q",
                     "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]}}},
    ]})

    screen.control("quiet").select_option("low")
    screen.control("live").select_option("high")
    screen.control("typed", "q").press_sequentially("ab")

    assert [(a["block_id"], a.get("selected_option", {}).get("value") or a.get("value"))
            for a in screen.actions()] == [("live", "high"), ("typed", "a"), ("typed", "ab")]


def test_every_input_element_reports_its_state_as_slack_does(screen):
    def field(block: str, element: dict[str, Any]) -> dict[str, Any]:
        return {"type": "input", "block_id": block, "optional": True,
                "label": {"type": "plain_text", "text": block}, "element": {"action_id": "v", **element}}

    screen.show_view({"type": "modal", "title": {"type": "plain_text", "text": "全部"}, "blocks": [
        field("num", {"type": "number_input", "is_decimal_allowed": True, "initial_value": "1.5"}),
        field("mail", {"type": "email_text_input", "initial_value": "a@example.com"}),
        field("url", {"type": "url_text_input"}),
        field("time", {"type": "timepicker", "initial_time": "13:45"}),
        field("date", {"type": "datepicker"}),
        field("people", {"type": "multi_users_select", "initial_users": ["UEMPLOYEE1"]}),
        field("radio", {"type": "radio_buttons", "options": PRIORITIES, "initial_option": PRIORITIES[1]}),
        field("boxes", {"type": "checkboxes", "options": PRIORITIES, "initial_options": PRIORITIES[:2]}),
        field("multi", {"type": "multi_static_select", "options": PRIORITIES}),
        field("channel", {"type": "conversations_select"}),
        field("vendor", {"type": "external_select"}),
    ]})  # no directory given: people are typed as ids; no options endpoint: external values are typed
    screen.control("people", "v").fill("UEMPLOYEE1, <@UEMPLOYEE2>")
    screen.control("vendor", "v").fill("株式会社サンプル")

    assert screen.values() == {
        "num": {"v": state_value("number_input", "1.5")},
        "mail": {"v": state_value("email_text_input", "a@example.com")},
        "url": {"v": state_value("url_text_input", None)},
        "time": {"v": state_value("timepicker", "13:45")},
        "date": {"v": state_value("datepicker", None)},
        "people": {"v": state_value("multi_users_select", ["UEMPLOYEE1", "UEMPLOYEE2"])},
        "radio": {"v": state_value("radio_buttons", PRIORITIES[1])},
        "boxes": {"v": state_value("checkboxes", PRIORITIES[:2])},
        "multi": {"v": state_value("multi_static_select", [])},
        "channel": {"v": state_value("conversations_select", None)},
        "vendor": {"v": state_value("external_select", "株式会社サンプル")},
    }


# -- whatever else arrives -------------------------------------------------------------------------
def test_unknown_blocks_leave_a_note_and_the_rest_still_renders(screen):
    screen.show_blocks([
        {"type": "video", "title": {"type": "plain_text", "text": "動画"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*本文*"},
         "accessory": {"type": "image", "image_url": "https://images.example.com/a.png", "alt_text": "請求書の写真"}},
        {"type": "actions", "elements": [{"type": "workflow_button", "text": {"type": "plain_text", "text": "x"}}]},
        {"type": "image", "image_url": "https://images.example.com/b.png", "alt_text": "グラフ",
         "title": {"type": "plain_text", "text": "今週の推移"}},
        {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "重要", "style": {"bold": True}}, {"type": "text", "text": " の連絡 "},
                {"type": "user", "user_id": "UEMPLOYEE1"}, {"type": "emoji", "name": "tada"}]},
            {"type": "rich_text_list", "style": "bullet", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "link", "url": "https://example.com",
                                                            "text": "規程"}]}]}]},
        {"type": "divider"},
    ], people=PEOPLE)

    text = screen.text()
    assert "unsupported block video" in text and "unsupported element workflow_button" in text
    assert screen.root.locator(".bk-section-text b").inner_text() == "本文"
    assert screen.root.locator("img[alt='請求書の写真'], .bk-image-missing[title='請求書の写真']").count() == 1
    assert "今週の推移" in text
    assert screen.root.locator(".bk-rich_text b").inner_text() == "重要"
    assert "@" + PEOPLE["UEMPLOYEE1"] in text and "🎉" in text
    assert screen.root.get_by_role("link", name="規程").get_attribute("href") == "https://example.com"
    assert screen.root.locator("hr.bk-divider-line").count() == 1
