"""Text normalisation for Japanese and English FAQ matching.

Two different shapes of the same text are needed downstream:

* ``for_words`` keeps the original kana script, because the Japanese morphological analyser segments
  katakana loanwords and hiragana very differently (folding パスワード to ひらがな first breaks it).
* ``both`` also gives the character shape, which folds everything that should not make two strings differ
  (script of the kana, 長音, punctuation, spaces) so that character n-grams and rapidfuzz compare what a
  reader would call "the same".

Both shapes first go through the same base steps: NFKC (full/half width, compatibility characters), case
folding, 長音 look-alikes, polite stock phrases removed, synonyms mapped to one canonical word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

# Hiragana and katakana are 0x60 apart in Unicode for the whole syllabary (ぁ..ゖ / ァ..ヶ).
_KATA_TO_HIRA = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)}
_HIRA_TO_KATA = {cp - 0x60: cp for cp in range(0x30A1, 0x30F7)}

_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# After NFKC a few dash/tilde look-alikes are still used for the long vowel mark after kana.
_CHOON_LOOKALIKE = re.compile(r"(?<=[\u3041-\u30fa])[\u2010-\u2015\u2212\u301c\uff5e~-]")
# The long vowel mark is written or dropped freely (サーバー / サーバ, コンピューター / コンピュータ):
# dropping it after kana makes both spellings identical for character matching.
_CHOON = re.compile(r"(?<=[\u3041-\u30fa])ー+")
_SPACES = re.compile(r"\s+")
# Everything that is not a letter, digit, kana or kanji carries no meaning for matching.
_PUNCT = re.compile(r"[^\w\u3040-\u30ff\u3400-\u9fff]+")

# Polite or filler phrases that employees wrap around the real question.  They add noise to character
# n-grams and fuzzy ratios (a long 教えてください makes unrelated questions look alike), so they are removed
# before matching.  Longest first so that a longer phrase wins over its prefix.
JA_STOCK_PHRASES: tuple[str, ...] = (
    "よろしくお願いいたします", "よろしくお願いします", "宜しくお願いします", "お願いいたします",
    "お願いします",
    "教えていただけますか", "教えていただけませんか", "教えてもらえますか", "教えてください", "教えて下さい",
    "教えてほしいです", "教えて欲しいです", "教えてほしい", "教えて欲しい", "教えて",
    "どうすればいいですか", "どうすればよいですか", "どうすれば良いですか", "どうすればいいでしょうか",
    "どうすればよいでしょうか", "どうしたらいいですか", "どうしたらよいですか", "どうしたらいいでしょうか",
    "どうすればいい", "どうすればよい", "どうしたらいい", "どうしたらよい", "どうすれば", "どうしたら",
    "を知りたいのですが", "を知りたいです", "が知りたいです", "を知りたい", "が知りたい", "知りたいです",
    "知りたい",
    "したいのですが", "のですが", "んですが", "すみません", "すいません", "ありがとうございます",
    "でしょうか", "ですか", "ますか",
)
EN_STOCK_PHRASES: tuple[str, ...] = (
    "could you please", "can you please", "would you please", "please", "could you", "can you",
    "i would like to", "i'd like to", "i want to", "i need to", "how do i", "how can i", "tell me",
    "thank you", "thanks",
)


def has_japanese(text: str) -> bool:
    """True when the text contains kana or kanji (decides the tokenizer and the n-gram range)."""
    return _JA_CHAR.search(text) is not None


def fold_kana(text: str) -> str:
    """Katakana → hiragana, so ログイン and ろぐいん compare equal."""
    return text.translate(_KATA_TO_HIRA)


def _kata(text: str) -> str:
    return text.translate(_HIRA_TO_KATA)


def base_form(text: str) -> str:
    """NFKC + case fold + 長音 look-alikes + collapsed spaces; script of the kana is kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _CHOON_LOOKALIKE.sub("ー", text)
    return _SPACES.sub(" ", text).strip()


def char_form(text: str) -> str:
    """The character-matching shape of an already base-normalised text: kana folded, 長音 and
    punctuation dropped, single spaces between words (English keeps its word boundaries)."""
    text = fold_kana(_CHOON.sub("", text))
    return _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()


def _phrase_pattern(phrases: Iterable[str], *, word_bounded: bool) -> re.Pattern[str] | None:
    items = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not items:
        return None
    alts = "|".join(re.escape(p) for p in items)
    if word_bounded:
        return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])")
    return re.compile(alts)


class Normalizer:
    """Normalises questions and queries the same way; holds the compiled synonym table.

    ``synonyms`` maps a canonical word to the other ways people write it, e.g.
    ``{"有給": ["有休", "年休", "年次有給休暇"], "パソコン": ["pc", "ノートpc"]}``.  Every variant (and the
    canonical word itself, in either kana script) is rewritten to the canonical word before matching, so
    entries and queries meet on one spelling.
    """

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]] | None = None,
        *,
        strip_stock_phrases: bool = True,
    ) -> None:
        self._strip = strip_stock_phrases
        self._stock_ja = _phrase_pattern(JA_STOCK_PHRASES, word_bounded=False)
        self._stock_en = _phrase_pattern(EN_STOCK_PHRASES, word_bounded=True)
        self._canon: dict[str, str] = {}
        for canonical, variants in (synonyms or {}).items():
            target = base_form(canonical)
            for v in (canonical, *variants):
                b = base_form(v)
                # Both kana scripts of a variant map to the canonical word: ぱそこん / パソコン.
                for form in {b, fold_kana(b), _kata(b)}:
                    if form and form != target:
                        self._canon[form] = target
            # The canonical word maps to itself, so that a variant inside it is not rewritten (ソフト →
            # ソフトウェア must leave ソフトウェア alone: the longest match wins).
            if target:
                self._canon.setdefault(target, target)
        ascii_keys = [k for k in self._canon if k.isascii()]
        other_keys = [k for k in self._canon if not k.isascii()]
        # ASCII synonyms must match whole words (pc must not fire inside "pcs" or "npc").
        self._syn_ascii = _phrase_pattern(ascii_keys, word_bounded=True)
        self._syn_other = _phrase_pattern(other_keys, word_bounded=False)

    def strip_stock(self, text: str) -> str:
        """Remove polite stock phrases from a ``base_form`` text; keeps it unchanged if nothing else would be
        left."""
        if not self._strip:
            return text
        out, removed = text, 0
        if self._stock_ja is not None:
            out, n = self._stock_ja.subn(" ", out)
            removed += n
        if self._stock_en is not None:
            out, n = self._stock_en.subn(" ", out)
            removed += n
        if not removed:  # most texts: nothing to tidy up (saves two regex passes per text in a build)
            return text
        out = _SPACES.sub(" ", out).strip()
        return out if _PUNCT.sub("", out) else text

    def apply_synonyms(self, text: str) -> str:
        if self._syn_other is not None:
            text = self._syn_other.sub(lambda m: self._canon[m.group(0)], text)
        if self._syn_ascii is not None:
            text = self._syn_ascii.sub(lambda m: self._canon[m.group(0)], text)
        return text

    def for_words(self, text: str) -> str:
        """Shape handed to the word tokenizer (script of the kana kept)."""
        return self.apply_synonyms(self.strip_stock(base_form(text)))

    def both(self, text: str) -> tuple[str, str]:
        w = self.for_words(text)
        return w, char_form(w)
