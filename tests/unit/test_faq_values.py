"""Company-specific values ({{key}} in a KB answer, `faq.values` in the workspace config): filled in,
escaped, links as links; an unfilled one never shows — its sentence (or its brackets) is left out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import load_workspace
from bot.config.text import LocalizedText
from bot.faqdesk.values import CompanyValues, fill, keys_in, unfilled, used_by
from bot.settings import BUNDLED_CONFIG
from faq.data import default_kb_path
from faq.engine import FaqDoc
from faq.formats import dump_docs, load_docs


def values(**items: str | dict[str, str] | None) -> dict[str, LocalizedText | None]:
    return {k: None if v is None else LocalizedText.model_validate(v) for k, v in items.items()}


def test_a_value_is_filled_in_escaped():
    filled = fill("締め日は毎月{{closing_day}}です。", values(closing_day="5営業日目 <!channel> & 翌日"), "ja")

    assert filled.mrkdwn == "締め日は毎月5営業日目 &lt;!channel&gt; &amp; 翌日です。"
    assert filled.plain == "締め日は毎月5営業日目 <!channel> & 翌日です。"
    assert filled.missing == ()


def test_the_answer_text_around_values_is_escaped_too():
    filled = fill("<!here> 内線は{{ext}}です。", values(ext="1234"), "ja")
    assert filled.mrkdwn == "&lt;!here&gt; 内線は1234です。"


def test_a_url_value_becomes_a_link():
    filled = fill("申請はポータル（{{portal_url}}）から。", values(portal_url="https://portal.example.co.jp/a?b=1&c=2"),
                  "ja")
    assert filled.mrkdwn == "申請はポータル（<https://portal.example.co.jp/a?b=1&amp;c=2>）から。"
    assert filled.plain == "申請はポータル（https://portal.example.co.jp/a?b=1&c=2）から。"


def test_english_uses_the_english_text_and_falls_back_to_the_japanese():
    both = values(day={"ja": "15日", "en": "15th"}, time="9:30")
    assert fill("Paid on the {{day}} at {{time}}.", both, "en").plain == "Paid on the 15th at 9:30."
    assert fill("翌月{{day}}の{{time}}に振り込み。", both, "ja").plain == "翌月15日の9:30に振り込み。"


@pytest.mark.parametrize("missing", [values(), values(closing_day=None), values(closing_day="  ")])
def test_an_unfilled_value_leaves_its_sentence_out(missing):
    template = "締め日は毎月{{closing_day}}です。18時までに申請してください。詳しくはポータルで確認できます。"

    filled = fill(template, missing, "ja")

    assert filled.plain == "18時までに申請してください。詳しくはポータルで確認できます。"
    assert filled.missing == ("closing_day",)


def test_an_unfilled_value_in_brackets_leaves_only_the_brackets_out():
    ja = fill("給与の支給日（毎月{{payday}}）の朝から見られます。源泉徴収票は1月です。", values(), "ja")
    en = fill("It is updated on payday ({{payday}}) in the morning. Tax slips come in January.", values(), "en")

    assert ja.plain == "給与の支給日の朝から見られます。源泉徴収票は1月です。"
    assert en.plain == "It is updated on payday in the morning. Tax slips come in January."
    assert ja.missing == en.missing == ("payday",)


def test_english_sentences_split_at_a_full_stop_not_at_an_abbreviation():
    template = ("If paying is hard (e.g. a trip), file it {{lead}} before departure. "
                "Settle within two weeks.\nAsk finance.")
    assert fill(template, values(), "en").plain == "Settle within two weeks.\nAsk finance."


def test_an_answer_of_only_unfilled_sentences_is_empty_and_says_what_is_missing():
    filled = fill("{{a}}です。{{b}}まで。", values(b="x"), "ja")
    assert filled.plain == "xまで。"
    assert fill("{{a}}です。", values(), "ja").plain == ""
    assert fill("{{a}}と{{c}}です。", values(), "ja").missing == ("a", "c")


def test_text_that_only_looks_like_a_placeholder_is_left_alone():
    for text in ("{{Not A Key}}", "{single}", "{{}}", "［5営業日目］"):
        assert fill(text, values(), "ja").plain == text


def test_keys_and_which_entries_use_them():
    docs = [FaqDoc(id="b", question="q", answer="{{x}}と{{ y }}", answer_en="{{z}}"),
            FaqDoc(id="a", question="q", answer="{{x}}"), FaqDoc(id="c", question="q", answer="なし")]

    assert keys_in("{{x}}と{{ y }}、また{{x}}") == ["x", "y"]
    assert used_by(docs) == {"x": ["a", "b"], "y": ["b"], "z": ["b"]}
    assert unfilled(docs, values(x="1", y="", z=None)) == {"y": ["b"], "z": ["b"]}


def test_the_placeholder_syntax_survives_kb_export_and_import(tmp_path: Path):
    doc = FaqDoc(id="a", question="締め日は？", answer="{{closing_day}}です。", answer_en="On the {{closing_day}}.")
    for suffix in (".yaml", ".csv", ".jsonl"):
        dump_docs([doc], tmp_path / f"kb{suffix}")
        assert load_docs(tmp_path / f"kb{suffix}") == [doc]


def test_whom_to_ask_is_the_entrys_department_or_the_fallback_desk():
    company = CompanyValues.from_config(load_workspace(BUNDLED_CONFIG))
    assert company.whom_to_ask("finance", "ja") == "経理・財務"
    assert company.whom_to_ask("finance", "en") == "Finance"
    assert company.whom_to_ask(None, "ja") == "総務"
    assert company.whom_to_ask("unknown", "en") == "General Affairs"


# -- the bundled knowledge base and example config ----------------------------------------------------
BRACKETED = re.compile(r"［[^］]*］|\[[^\]]*\]")


def test_the_default_kb_shows_no_bracketed_placeholders():
    for doc in load_docs(default_kb_path()):
        for text in (doc.question, doc.answer, doc.question_en or "", doc.answer_en or ""):
            assert not BRACKETED.search(text), (doc.id, BRACKETED.search(text))
        assert not keys_in(doc.question) and not keys_in(doc.question_en or ""), doc.id


def test_the_default_kb_uses_named_values_and_the_example_config_fills_every_one():
    docs = load_docs(default_kb_path())
    config = load_workspace(BUNDLED_CONFIG)

    used = used_by(docs)

    assert {"expense_closing_day", "payday", "it_helpdesk_extension", "expense_portal_url"} <= set(used)
    assert used["expense_closing_day"] == ["fin-expense-deadline"]
    assert unfilled(docs, config.faq.values) == {}
    for doc in docs:  # an English answer with a value reads English: the example gives the en text
        for key in keys_in(doc.answer_en or ""):
            value = config.faq.values[key]
            assert value is not None and (value.en or value.ja.isascii()), (doc.id, key)
