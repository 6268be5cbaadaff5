"""What an employee sees of an FAQ answer: the company's values filled in, never a placeholder, never
the matcher's score; an answer with an unfilled value says whom to ask and offers the button."""

from __future__ import annotations

import json

from bot.config.text import LocalizedText
from bot.faqdesk.values import CompanyValues
from bot.faqdesk.views import answer_message, chosen_answer
from bot.i18n import t
from bot.slack_ids import FaqAction
from faq.engine import FaqDoc

DOC = FaqDoc(id="fin-expense-deadline", question="経費精算の締め日はいつですか？", department="finance",
             answer="経費精算の締め日は毎月{{expense_closing_day}}です。18時までに申請してください。",
             question_en="When is the deadline for expense claims?",
             answer_en="Expense claims close on the {{expense_closing_day}} of each month. Submit by 18:00.")
FILLED = CompanyValues(values={"expense_closing_day": LocalizedText(ja="5営業日目", en="5th business day")},
                       department_names={"finance": LocalizedText(ja="経理・財務", en="Finance")},
                       fallback_department="finance")
UNFILLED = CompanyValues(values={}, department_names=FILLED.department_names, fallback_department="finance")


def action_ids(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_the_answer_shows_the_configured_value_and_no_score():
    text, blocks = answer_message("ja", 7, "answer", DOC, [], FILLED)
    shown = json.dumps(blocks, ensure_ascii=False)

    assert "毎月5営業日目です" in shown and "毎月5営業日目です" in text
    for hidden in ("{{", "［", "スコア", "0.70", "score"):
        assert hidden not in shown and hidden not in text
    assert action_ids(blocks) == [FaqAction.HELPED, FaqAction.NOT_HELPED]


def test_an_english_answer_shows_the_english_value():
    text, blocks = answer_message("en", 7, "answer", DOC, [], FILLED)
    assert "close on the 5th business day of each month" in json.dumps(blocks)
    assert "close on the 5th business day of each month" in text
    assert "score" not in json.dumps(blocks).lower()


def test_an_unfilled_value_shows_what_is_known_and_whom_to_ask():
    text, blocks = answer_message("ja", 7, "answer", DOC, [], UNFILLED)
    assert "18時までに申請してください。" in text
    shown = json.dumps(blocks, ensure_ascii=False)

    assert "18時までに申請してください。" in shown
    assert "毎月" not in shown and "{{" not in shown and "{{" not in text
    assert t("ja", "faq.partial", department="経理・財務") in shown
    assert action_ids(blocks) == [FaqAction.HELPED, FaqAction.NOT_HELPED, FaqAction.ESCALATE]


def test_a_chosen_suggestion_is_filled_the_same_way():
    _, blocks = chosen_answer("en", 8, DOC, UNFILLED)
    shown = json.dumps(blocks, ensure_ascii=False)

    assert "Submit by 18:00." in shown and "{{" not in shown and "close on the" not in shown
    assert t("en", "faq.partial", department="Finance") in shown
    assert FaqAction.ESCALATE in action_ids(blocks)
    _, blocks = chosen_answer("ja", 8, DOC, FILLED)
    assert "5営業日目" in json.dumps(blocks, ensure_ascii=False)
