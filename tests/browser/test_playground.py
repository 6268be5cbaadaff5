"""The playground in a real browser, the way a newcomer tries madoguchi before installing anything:
an FAQ answer marked solved; a ¥300,000 expense (with a field error from the bot on the way), approved
by the manager and the finance lead from their DMs, claimed and resolved by the finance agent, rated by
the employee; then the clock moves to Monday morning and the weekly digest arrives with its chart."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.playground.stack import Playground

pytestmark = pytest.mark.slow

# A clock jump runs every scheduler slot it passes: a few seconds per simulated day on a busy machine.
JUMP_MS = 90_000
EMPLOYEE, ALEX, MANAGER, FIN_LEAD, FIN_AGENT = "UEMPLOYEE1", "UEMPLOYEE2", "UMANAGER1", "UFINLEAD1", "UFINAGENT"


def be(page: Any, who: str) -> None:
    page.select_option("#persona", who)
    page.locator("[data-testid=conv-dm].active").wait_for()


def say(page: Any, text: str) -> None:
    page.fill("#composer", text)
    page.press("#composer", "Enter")


def message(page: Any, text: str) -> Any:
    """The newest message showing `text` (the bot's messages arrive when the outbox delivers them)."""
    found = page.locator("[data-testid=message]", has_text=text).last
    found.wait_for()
    return found


def click(scope: Any, action_id: str) -> None:
    scope.locator(f"[data-action-id='{action_id}']").first.click()


def modal(page: Any) -> Any:
    return page.locator("[data-testid=modal]")


def field(page: Any, key: str, tag: str = "input") -> Any:
    return modal(page).locator(f"{tag}[data-block-id='field_{key}'][data-action-id='value']")


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_from_a_question_to_the_weekly_digest(page: Any, shoot: Any, playground: Playground) -> None:
    # 山田 (an employee) opens the playground: the guide suggests what to try.
    be(page, EMPLOYEE)
    expect(page.locator("[data-testid=guide]")).to_be_visible()
    shoot("00-first-screen")

    # She asks the bot by DM; the FAQ answers and she marks it solved.
    say(page, "有給の残り日数ってどこで見られますか？")
    answer = message(page, "有給休暇の残日数を確認したい")
    click(answer, "faq_helped")
    expect(message(page, "解決してよかったです")).to_be_visible()
    expect(answer.locator("[data-action-id='faq_helped']")).to_have_count(0)
    shoot("01-faq-solved")

    # /helpdesk opens the catalog; she picks 経費精算 and fills the form.
    say(page, "/helpdesk")
    expect(modal(page)).to_contain_text("経費精算")
    modal(page).locator("[data-action-id='intake_pick_type'][data-block-id='pick:expense']").click()
    field(page, "amount").wait_for()
    today = playground.clock.now().astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()
    field(page, "category", "select").select_option("meeting")
    field(page, "amount").fill("300000")
    field(page, "spent_on").fill(today)
    field(page, "purpose", "textarea").fill("取引先との打ち合わせ（5名）")
    # The receipt as a file: picked in the form, uploaded to the local Slack, listed once it is in.
    field(page, "receipts", "div").locator("input[type=file]").set_input_files(files=[
        {"name": "会食_領収書.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 receipt 300,000 yen"}])
    expect(field(page, "receipts", "div")).to_contain_text("会食_領収書.pdf")
    field(page, "payee").fill("株式会社 料亭さくら")
    field(page, "invoice_number").fill("T123")
    modal(page).locator(".bk-submit").click()

    # The bot answers response_action: errors; the message stands next to the field, the rest is kept.
    invoice = modal(page).locator(".bk-block[data-block-id='field_invoice_number']")
    expect(invoice).to_contain_text("13桁")
    expect(field(page, "purpose", "textarea")).to_have_value("取引先との打ち合わせ（5名）")
    expect(modal(page).locator(".bk-submit")).to_be_enabled()
    invoice.locator(".bk-error").scroll_into_view_if_needed()
    shoot("02-expense-field-error")
    field(page, "invoice_number").fill("T7000012050002")
    modal(page).locator(".bk-submit").click()
    expect(modal(page)).to_contain_text("FIN-0001")
    modal(page).locator(".bk-close").click()
    expect(modal(page)).to_have_count(0)

    # The manager, then the finance lead (¥300,000 ≥ ¥100,000), approve from their DMs; the finance lead
    # then gets the receipt itself with 📎.
    for approver in (MANAGER, FIN_LEAD):
        be(page, approver)
        request = message(page, "FIN-0001")
        click(request, "approval_approve")
        expect(request).to_contain_text("承認しました")
        expect(request.locator("[data-action-id='approval_approve']")).to_have_count(0)
        if approver == FIN_LEAD:
            click(request, "receipt_send_files")
            expect(message(page, "会食_領収書.pdf")).to_be_visible()
    shoot("03-approved-by-finance-lead")

    # The finance agent claims the card in the finance desk channel and resolves it with a note.
    be(page, FIN_AGENT)
    page.locator("[data-testid=conv-CFINANCE]").click()
    card = message(page, "FIN-0001")
    click(card, "ticket_claim")
    expect(card).to_contain_text("対応中")
    click(card, "ticket_resolve")
    modal(page).locator("[data-block-id='ticket_note'] textarea").fill("5/20 の給与振込で精算します")
    modal(page).locator(".bk-submit").click()
    expect(modal(page)).to_have_count(0)
    # The card is edited in place: the desk's buttons give way to "turn this into an FAQ entry".
    expect(card.locator("[data-action-id='ticket_resolve']")).to_have_count(0)
    expect(card.locator("[data-action-id='faq_capture']")).to_be_visible()
    expect(card).not_to_contain_text("対応中")
    shoot("04-finance-desk-resolved")

    # 山田 gets the resolution and rates it.
    be(page, EMPLOYEE)
    resolution = message(page, "5/20 の給与振込で精算します")
    click(resolution, "ticket_rate_5")
    expect(resolution.locator("[data-action-id='ticket_rate_5']")).to_have_count(0)

    # Monday 09:00: the weekly digest and its chart appear in the digest channel.
    page.locator("#to-digest").click()
    expect(page.locator("#now")).to_contain_text("(月) 09:0", timeout=JUMP_MS)
    page.locator("[data-testid=conv-CDIGEST01]").click()
    expect(message(page, "週次ダイジェスト")).to_be_visible()
    chart = page.locator("[data-testid=file-image]").first
    chart.wait_for()
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") > 100
    shoot("05-weekly-digest")


def test_a_reminder_due_on_friday_afternoon_arrives_then_when_a_day_passes(page, shoot):
    # Thursday 16:00: 山田 sends a ¥1,200 train fare; the manager leaves it. 8 business hours later (09–18) is
    # Friday 15:00. +1日 lands on Friday 16:00, and the reminder in his DM says it came at 15:00.
    be(page, EMPLOYEE)
    expect(page.locator("#now")).to_contain_text("2026/11/26(木) 16:0")
    say(page, "/helpdesk")
    modal(page).locator("[data-action-id='intake_pick_type'][data-block-id='pick:expense']").click()
    field(page, "category", "select").select_option("transport")
    field(page, "amount").fill("1200")
    field(page, "spent_on").fill("2026-11-26")
    field(page, "purpose", "textarea").fill("客先訪問の電車代")
    modal(page).locator(".bk-submit").click()
    expect(modal(page)).to_contain_text("FIN-0001")
    modal(page).locator(".bk-close").click()

    page.locator("[data-advance='24']").click()
    expect(page.locator("#now")).to_contain_text("2026/11/27(金) 16:0", timeout=JUMP_MS)

    be(page, MANAGER)
    reminder = message(page, "承認待ち 1 件のリマインド")
    expect(reminder).to_contain_text("FIN-0001")
    expect(reminder.locator(".msg-time")).to_have_text(re.compile(r"11/27\(金\) 15:0[05]"))
    shoot("06-reminder-on-friday-afternoon")


@pytest.mark.parametrize(("who", "lang", "says"), [
    (EMPLOYEE, "ja", ["ようこそ", "質問する", "/helpdesk", "経費精算", "マネージャー", "+1日"]),
    (ALEX, "en", ["Welcome", "Ask a question", "/helpdesk", "Expense claim", "manager", "+1 day"]),
])
def test_the_first_screen_suggests_what_to_try_in_the_visitors_language(page, who, lang, says):
    be(page, who)
    guide = page.locator("[data-testid=guide]")

    for words in says:
        expect(guide).to_contain_text(words)
    assert page.evaluate("() => document.documentElement.lang") == lang

    # Its first suggestion asks the bot for real; once the conversation has begun, the guide makes way.
    guide.locator("[data-testid=guide-ask] button").click()
    expect(page.locator("[data-testid=message].from-bot").first).to_be_visible()
    expect(guide).to_have_count(0)


def test_the_guide_hands_over_to_the_manager(page):
    be(page, EMPLOYEE)
    page.locator("[data-testid=guide-approve] button").click()
    expect(page.locator("#persona")).to_have_value(MANAGER)


def label_heights(page: Any) -> dict[str, float]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '.who > span, .tool-btn, .clock-btn, .side-item, .bk-label')].map(
        (n, i) => [`${n.className || n.tagName}#${i} ${n.textContent.trim().slice(0, 12)}`,
                   n.getBoundingClientRect().height]))""")


def test_on_a_phone_nothing_is_wider_than_the_screen_and_labels_read_across(page, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    be(page, EMPLOYEE)

    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    tall = {k: h for k, h in label_heights(page).items() if h > 48}  # one line is ~22 px; two is fine
    assert not tall, f"labels wrapped into a column: {tall}"
    expect(page.locator("#composer")).to_be_in_viewport()
    expect(page.locator("[data-testid=guide] h2")).to_be_in_viewport()
    shoot("phone-first-screen")

    say(page, "/helpdesk")
    modal(page).locator("[data-action-id='intake_pick_type'][data-block-id='pick:expense']").click()
    field(page, "amount").wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    tall = {k: h for k, h in label_heights(page).items() if h > 48}
    assert not tall, f"labels wrapped into a column: {tall}"
    shoot("phone-expense-form")
