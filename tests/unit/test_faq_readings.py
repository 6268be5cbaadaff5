"""Readings (Sudachi reading forms) and rapidfuzz rewriting of unknown query words (issue 13)."""

from __future__ import annotations

import pytest

from faq.data import default_kb_path, default_synonyms
from faq.engine import FaqEngine
from faq.formats import load_docs
from faq.readings import ReadingLexicon
from faq.tokenize import KANA_WRITTEN, WordTokenizer, split_reading


def test_analyse_gives_a_reading_per_word_and_marks_kana_written_ones() -> None:
    words, readings = split_reading(WordTokenizer().analyse("経費精算の締め日"))
    assert list(words) == ["経費", "精算", "締め日"]
    assert readings == ["けいひ", "せいさん", "しめび"]
    words, readings = split_reading(WordTokenizer().analyse("ケイヒセイサンの締め切り"))
    assert readings == [KANA_WRITTEN + "けいひせいさん", "しめきり"]


def test_latin_words_have_no_reading_and_words_is_unchanged() -> None:
    tok = WordTokenizer()
    assert split_reading(tok.analyse("VPNに繋がらない"))[1][0] == ""
    assert tok.words("経費精算の締め日") == ["経費", "精算", "締め日"]  # routing's view: no reading item


LEX = ReadingLexicon([("経費", "けいひ"), ("精算", "せいさん"), ("給与", "きゅうよ"), ("明細", "めいさい"),
                      ("password", ""), ("reset", "")])


def test_segment_spells_a_reading_with_kb_words() -> None:
    assert LEX.segment("けいひせいさん") == ["経費", "精算"]
    assert LEX.segment("けいひせ") is None


@pytest.mark.parametrize(("words", "readings", "expected"), [
    (["けいひせいさん"], ["*けいひせいさん"], ["経費", "精算"]),         # katakana / half-width input
    (["脛腓", "生産"], ["*けいひ", "*せいさん"], ["経費", "精算"]),        # hiragana split into wrong words
    (["生産"], ["せいさん"], ["生産"]),                                   # written in kanji: another word
    (["きゅうよう"], ["*きゅうよう"], ["給与"]),                           # a typo: nearest reading
    (["pasword"], [""], ["password"]),                                    # Latin typo: nearest spelling
    (["経費"], ["けいひ"], ["経費"]),                                     # known words are never touched
])
def test_rewrite_only_touches_unknown_words(words, readings, expected) -> None:
    known = {"経費", "精算", "給与", "明細", "password", "reset"}
    assert LEX.rewrite(words, readings, known) == expected


@pytest.fixture(scope="module")
def kb_engine() -> FaqEngine:
    return FaqEngine.build(load_docs(default_kb_path()), synonyms=default_synonyms(), embedder=None)


@pytest.mark.parametrize(("query", "entry"), [
    ("ケイヒセイサンの締め切り", "fin-expense-deadline"),
    ("ｷｭｳﾖﾒｲｻｲどこ", "hr-payslip"),
    ("けいひせいさんのしめきり", "fin-expense-deadline"),
    ("パスワドを忘れた", "it-password-reset"),
])
def test_kana_and_half_width_input_meets_kanji_phrasings(kb_engine: FaqEngine, query: str, entry: str) -> None:
    assert kb_engine.ask(query).matches[0].id == entry


@pytest.mark.parametrize(("query", "entry"), [
    ("ケイヒセイサンの〆切", "fin-expense-deadline"),   # 〆切 → 締め日 (synonyms.yaml)
    ("ボールペンがほしい", "ga-office-supplies"),        # ボールペン → 文房具
    ("ソフトを入れたい", "it-software-install"),         # ソフト → ソフトウェア
    ("有給は何日ありますか", "hr-paid-leave-balance"),
])
def test_everyday_words_meet_the_kb_words(kb_engine: FaqEngine, query: str, entry: str) -> None:
    assert kb_engine.ask(query).matches[0].id == entry


def test_a_variant_inside_its_canonical_word_is_left_alone() -> None:
    from faq.normalize import Normalizer

    n = Normalizer({"ソフトウェア": ["ソフト"]})
    assert n.for_words("ソフトウェアを入れたい") == "ソフトウェアを入れたい"
    assert n.for_words("フリーソフト") == "フリーソフトウェア"
    # The variants' readings are variants too: そふと and そふとうぇあ.
    assert [n.for_words(v) for v in ("そふとを入れたい", "そふとうぇあ")] == ["ソフトウェアを入れたい", "ソフトウェア"]


HIRA = ReadingLexicon([("押印", "おういん"), ("申請", "しんせい"), ("退職", "たいしょく"), ("届け", "とどけ"),
                       ("年末", "ねんまつ"), ("調整", "ちょうせい"), ("殿", "どの"), ("用", "よう"),
                       ("頂く", "いただく")])


@pytest.mark.parametrize(("text", "expected"), [
    ("おういん申請のやり方", "押印申請のやり方"),            # a hiragana run at the start of the text
    ("たいしょくとどけの出し方", "退職届けの出し方"),        # later pieces may carry okurigana
    ("有給のねんまつちょうせい", "有給の年末調整"),          # after a kanji, only behind one particle
    ("申しおういん", "申しおういん"),                        # right after a kanji: okurigana, left alone
    ("はどのようにすればいいですか", "はどのようにすればいいですか"),  # short readings never make words
    ("いただけますか", "いただけますか"),                    # a first piece is kanji only (頂く is not)
])
def test_hiragana_runs_are_respelt_in_kb_words_before_sudachi(text: str, expected: str) -> None:
    assert HIRA.rewrite_hiragana(text) == expected


@pytest.mark.parametrize(("query", "entry"), [
    ("ねんまつちょうせいの書類はいつまで", "hr-year-end-adjustment"),
    ("たいしょくとどけはいつ出せばいい", "hr-resignation"),
    ("いくきゅうを取りたい", "hr-childcare-leave"),
])
def test_unconverted_hiragana_terms_meet_kanji_phrasings(kb_engine: FaqEngine, query: str, entry: str) -> None:
    assert kb_engine.ask(query).matches[0].id == entry
