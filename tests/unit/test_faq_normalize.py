import pytest

from faq.normalize import Normalizer, base_form, char_form, fold_kana, has_japanese
from faq.tokenize import char_ngrams, english_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＶＰＮ", "vpn"),  # full-width Latin
        ("ﾊﾟｽﾜｰﾄﾞ", "パスワード"),  # half-width katakana
        ("  Hello   World ", "hello world"),
        ("サ〜バ", "サーバ"),  # wave dash after kana is a long vowel mark
        ("１２３", "123"),
    ],
)
def test_base_form(text: str, expected: str) -> None:
    assert base_form(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("サーバー", "サーバ"),  # 長音 written or dropped
        ("パスワード", "ぱすわーど"),  # kana script
        ("コンピューター", "コンピュータ"),
        ("ログイン！", "ろぐいん"),  # punctuation
        ("ＰＣ", "pc"),
    ],
)
def test_char_form_folds_equivalent_spellings(a: str, b: str) -> None:
    assert char_form(base_form(a)) == char_form(base_form(b))


def test_fold_kana_and_script_detection() -> None:
    assert fold_kana("カタカナ") == "かたかな"
    assert has_japanese("VPNに接続") and not has_japanese("VPN down")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有給の残りを教えてください", "有給の残りを"),
        ("経費の締め日はどうすればいいですか", "経費の締め日は"),
        ("please reset my password", "reset my password"),
        ("how do i reset my password", "reset my password"),
        ("教えてください", "教えてください"),  # nothing else left: keep the text
    ],
)
def test_stock_phrases_are_stripped(text: str, expected: str) -> None:
    assert Normalizer().strip_stock(base_form(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有休を取りたい", "有給を取りたい"),
        ("年休の残り", "有給の残り"),
        ("ＰＣが壊れた", "パソコンが壊れた"),
        ("my pc is broken", "my パソコン is broken"),
        ("npc data", "npc data"),  # ASCII synonyms only match whole words
        ("ぱそこん", "パソコン"),  # either kana script of a variant
    ],
)
def test_synonyms_map_to_canonical(text: str, expected: str) -> None:
    n = Normalizer({"有給": ["有休", "年休"], "パソコン": ["pc"]})
    assert n.for_words(text) == expected


def test_english_words_stem_and_drop_stopwords() -> None:
    assert english_words("How do I reset my Passwords?") == ["reset", "password"]


def test_char_ngrams_ranges() -> None:
    assert char_ngrams("あいう") == ["あ", "い", "う", "あい", "いう", "あいう"]
    assert " a" in char_ngrams("ab") and "ab " in char_ngrams("ab")


def test_char_ngram_ids_match_char_ngrams() -> None:
    from faq.tokenize import char_ngram_ids

    def key(g: str) -> int:
        return sum((min(ord(ch), 0xFFFE) + 1) << (16 * k) for k, ch in enumerate(g))

    texts = ["あいう", "ab", "vpn につながらない pc", "", "i lost my receipt", "経費 精算"]
    for text, ids in zip(texts, char_ngram_ids(texts), strict=True):
        assert sorted(int(x) for x in ids) == sorted(key(g) for g in char_ngrams(text))
