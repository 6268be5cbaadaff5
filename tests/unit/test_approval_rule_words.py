"""Why a step is with its approver, in words (issue #14): every condition the rule language knows,
read as people say it in ja and en — never `amount >= 100000`."""

from __future__ import annotations

import pytest

from bot.approvals.wording import amount_words, condition_text, conditions_text, step_reason
from bot.config import load_workspace
from bot.config.approval_rules import Condition, parse_rules
from bot.settings import BUNDLED_CONFIG

CONFIG = load_workspace(BUNDLED_CONFIG)
EXPENSE = CONFIG.request_type("expense")
LEAVE = CONFIG.request_type("leave")
PAYMENT = CONFIG.request_type("payment")


@pytest.mark.parametrize(("amount", "ja", "en"), [
    (100_000, "10万円", "¥100,000"),
    (1_000_000, "100万円", "¥1,000,000"),
    (10_000_000, "1,000万円", "¥10,000,000"),
    (100_000_000, "1億円", "¥100,000,000"),
    (150_000_000, "1億5,000万円", "¥150,000,000"),
    (123_456, "12万3,456円", "¥123,456"),
    (30_000, "3万円", "¥30,000"),
    (5_000, "5,000円", "¥5,000"),
    (0, "0円", "¥0"),
])
def test_amounts_read_as_people_write_them(amount, ja, en):
    assert amount_words(amount, "ja") == ja
    assert amount_words(amount, "en") == en


@pytest.mark.parametrize(("rt", "condition", "ja", "en"), [
    (EXPENSE, "amount >= 100000", "金額が10万円以上", "the amount is ¥100,000 or more"),
    (EXPENSE, "amount > 100000", "金額が10万円を超える", "the amount is over ¥100,000"),
    (EXPENSE, "amount <= 100000", "金額が10万円以下", "the amount is ¥100,000 or less"),
    (EXPENSE, "amount < 30000", "金額が3万円未満", "the amount is under ¥30,000"),
    (EXPENSE, "amount == 50000", "金額が5万円", "the amount is ¥50,000"),
    (EXPENSE, "amount != 50000", "金額が5万円以外", "the amount is not ¥50,000"),
    (EXPENSE, "category == transport", "費目が「交通費」", "the category is Local transport"),
    (EXPENSE, "category != transport", "費目が「交通費」以外", "the category is not Local transport"),
    (LEAVE, "kind in [clock_fix, overtime]", "種類が「打刻修正」または「残業・休日出勤の事後申請」",
     "the kind is Clock-in/out correction or Overtime / holiday work (after the fact)"),
    (PAYMENT, "vendor_status == new", "取引先の登録が「新規取引先」", "the supplier record is New supplier"),
])
def test_one_condition_in_words(rt, condition, ja, en):
    c = Condition.model_validate(condition)
    assert condition_text(c, "ja", rt.field(c.field)) == ja
    assert condition_text(c, "en", rt.field(c.field)) == en


@pytest.mark.parametrize(("conditions", "ja", "en"), [
    (["amount >= 100000", "amount < 1000000"], "金額が10万円以上100万円未満",
     "the amount is from ¥100,000 to under ¥1,000,000"),
    (["amount < 1000000", "amount >= 100000"], "金額が10万円以上100万円未満",
     "the amount is from ¥100,000 to under ¥1,000,000"),
    (["amount >= 100000", "amount <= 1000000"], "金額が10万円以上100万円以下",
     "the amount is from ¥100,000 to ¥1,000,000"),
    (["amount > 100000", "amount < 1000000"], "金額が10万円超100万円未満",
     "the amount is over ¥100,000 and under ¥1,000,000"),
    (["amount > 100000", "amount <= 1000000"], "金額が10万円超100万円以下",
     "the amount is over ¥100,000 and up to ¥1,000,000"),
    (["category == transport", "amount >= 30000"], "費目が「交通費」、金額が3万円以上",
     "the category is Local transport and the amount is ¥30,000 or more"),
])
def test_several_conditions_and_ranges_in_words(conditions, ja, en):
    parsed = [Condition.model_validate(c) for c in conditions]
    assert conditions_text(parsed, "ja", EXPENSE) == ja
    assert conditions_text(parsed, "en", EXPENSE) == en


def test_a_condition_on_a_field_the_form_does_not_have_still_reads_as_words():
    c = Condition.model_validate("cost_center == sales")
    assert condition_text(c, "ja", None) == "cost centerが「sales」"
    assert condition_text(c, "en", None) == "the cost center is sales"


@pytest.mark.parametrize(("rule", "ja", "en"), [
    ({"label": {"ja": "経理責任者", "en": "Finance lead"}, "role": "finance_lead", "when": "amount >= 100000"},
     "金額が10万円以上のため経理責任者の承認が必要です",
     "Finance lead approval is needed because the amount is ¥100,000 or more."),
    ({"label": "CFO", "role": "cfo", "when": "amount >= 1000000"},
     "金額が100万円以上のためCFOの承認が必要です",
     "CFO approval is needed because the amount is ¥1,000,000 or more."),
    ({"label": "上長", "manager": True}, "上長の承認が必要です", "Manager approval is needed."),
    ({"manager": True}, "上長の承認が必要です", "Manager approval is needed."),
    ({"label": "経理責任者", "role": "finance_lead"}, "経理責任者の承認が必要です", "Finance lead approval is needed."),
    ({"department": "finance", "when": ["category != transport"]},
     "費目が「交通費」以外のため経理・財務の承認者の承認が必要です",
     "Finance approval is needed because the category is not Local transport."),
    ({"person": "cfo"}, "高橋 誠 さんの承認が必要です", "高橋 誠's approval is needed."),
    ({"any_of": ["fin_lead", "cfo"]}, "鈴木 一郎 さん・高橋 誠 さんのいずれかの承認が必要です",
     "Approval by one of 鈴木 一郎 / 高橋 誠 is needed."),
])
def test_a_step_says_why_it_is_there(rule, ja, en):
    (parsed,) = parse_rules([rule])
    assert step_reason(parsed, "ja", EXPENSE, CONFIG) == ja
    assert step_reason(parsed, "en", EXPENSE, CONFIG) == en


@pytest.mark.parametrize(("rules", "ja", "en"), [
    ([{"manager": True}, {"person": "manager"}], "同じ承認者がステップ 1 で承認するためスキップ",
     "Skipped: the same approver decides at step 1"),
    ([{"manager": True}, {"person": "employee"}],  # the requester's own step goes to her manager, who already decides
     "承認者が申請者本人で、代わりの承認者がステップ 1 で承認するためスキップ",
     "Skipped: the approver is the requester, and the next approver up decides at step 1"),
])
def test_a_skipped_steps_recorded_reason_reads_as_words(rules, ja, en):
    from bot.approvals.chain import build_chain
    from bot.approvals.wording import skip_reason

    chain = build_chain(parse_rules(rules), CONFIG, "UEMPLOYEE1", {}, "general_affairs")
    reasons = [s.skipped_reason for s in chain if s.skipped_reason]
    assert [skip_reason(r, "ja", str) for r in reasons] == [ja]
    assert [skip_reason(r, "en", str) for r in reasons] == [en]
