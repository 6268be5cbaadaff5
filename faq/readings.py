"""Unknown query words re-expressed in the KB's own words, by reading (Japanese) or spelling (Latin).

An employee types 経費精算 as ケイヒセイサン, ｷｭｳﾖﾒｲｻｲ or けいひせいさん: Sudachi then sees one unknown word
(or wrong hiragana words such as 脛腓 + 生産) that no KB phrasing has, and every word signal misses.  The
KB's own words are known with their readings (Sudachi ``reading_form``: 経費 けいひ, 精算 せいさん), so a
query word the KB does not have is replaced by KB words whose readings spell its reading: a run of
adjacent unknown words is segmented into KB readings (fewest pieces).  Failing that, rapidfuzz finds the
KB reading nearest to it (a typo: きゅよめいさい), and for Latin words the KB word nearest in spelling
(pasword → password), above a cut-off.  Words the KB has are never touched, so kanji queries that
already match are ranked as before.

A term left unconverted in hiragana (おういん申請, いくきゅうの申請, たいしょくとどけの出し方) is cut by Sudachi
into real words before any of that can happen (お + ういん, 行く + 急, 移植 + 退く): the reading of the run
is lost.  ``rewrite_hiragana`` therefore works on the text, before Sudachi: where a hiragana run begins
with the readings of KB words written in kanji (押印 おういん, 育休 いくきゅう, 退職 + 届), those words replace
that beginning.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Sequence

from rapidfuzz import fuzz, process

from faq.tokenize import KANA_WRITTEN

# Shortest reading used as a piece (one kana matches far too much) and shortest word looked up fuzzily.
MIN_PIECE = 2
MIN_FUZZY = 4
# rapidfuzz ``ratio`` cut-offs (0-100); see docs/FAQ_ENGINE.md for the fit.
READING_CUTOFF = 85.0
LATIN_CUTOFF = 85.0
MAX_RUN = 24  # kana: longer unknown runs are left alone (cost is quadratic in the run)
# A hiragana run is rewritten only when at least this many of its kana spell KB words, in at most
# MAX_HIRAGANA_PIECES words: short matches (あり, いる) are everyday hiragana, not unconverted terms.
MIN_HIRAGANA_SPAN = 4
MAX_HIRAGANA_PIECES = 3
# Pieces are KB words written in kanji only, of at least this many kana: with shorter readings or with
# okurigana, everyday hiragana turns into words (どのように → 殿 + 用, もうすぐ, いただける → 頂く; LocalgovFAQ).
MIN_HIRAGANA_PIECE = 3
# One particle may come before the unconverted term inside the run (有給のしんせい: のしんせい).
_PARTICLES = frozenset("のをがはにでともへや")
_HIRAGANA_RUN = re.compile(r"[ぁ-ゖ]+")


class ReadingLexicon:
    """The KB's words by reading, and its Latin words, for rewriting unknown query words."""

    def __init__(self, pairs: Iterable[tuple[str, str]], *, reading_cutoff: float = READING_CUTOFF,
                 latin_cutoff: float = LATIN_CUTOFF) -> None:
        by_reading: dict[str, Counter[str]] = defaultdict(Counter)
        latin: Counter[str] = Counter()
        # Counted as distinct pairs first (C-level), then one Python step per distinct pair.
        for (word, reading), n in Counter(pairs).items():
            reading = reading.removeprefix(KANA_WRITTEN)
            if reading:
                if len(reading) >= MIN_PIECE:
                    by_reading[reading][word] += n
            elif word.isascii() and word.isalpha():
                latin[word] += n
        # The KB's most frequent word for a reading (homophones: 精算 over 清算 in a finance KB).
        self.word_of = {r: c.most_common(1)[0][0] for r, c in by_reading.items()}
        # The same among words written with kanji, for hiragana runs (a kana KB word is already spelt so).
        # First piece: kanji only (退職, 押印); later pieces may end in okurigana (退職 + 届け).
        firsts = {r: [(n, w) for w, n in c.items() if _is_kanji(w)]
                  for r, c in by_reading.items() if len(r) >= MIN_HIRAGANA_PIECE}
        laters = {r: [(n, w) for w, n in c.items() if _is_kanji(w[0])]
                  for r, c in by_reading.items() if len(r) >= MIN_HIRAGANA_PIECE}
        self.kanji_word_of = {r: max(ws)[1] for r, ws in firsts.items() if ws}
        self.kanji_later_of = {r: max(ws)[1] for r, ws in laters.items() if ws}
        self.kanji_max_len = max(map(len, self.kanji_later_of), default=0)
        self.max_len = max(map(len, self.word_of), default=0)
        self._readings = [r for r in self.word_of if len(r) >= MIN_FUZZY]
        self._latin = [w for w in latin if len(w) >= MIN_FUZZY]
        self.reading_cutoff = reading_cutoff
        self.latin_cutoff = latin_cutoff

    def segment(self, reading: str) -> list[str] | None:
        """KB words whose readings spell ``reading`` exactly, fewest pieces; None if there are none."""
        n = len(reading)
        if n < MIN_PIECE or n > MAX_RUN:
            return None
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            cur = best[i]
            if cur is None:
                continue
            for j in range(i + MIN_PIECE, min(n, i + self.max_len) + 1):
                w = self.word_of.get(reading[i:j])
                if w is not None:
                    prev = best[j]
                    if prev is None or len(cur) + 1 < len(prev):
                        best[j] = [*cur, w]
        return best[n]

    def _kanji_prefix(self, run: str) -> tuple[int, list[str]] | None:
        """The longest beginning of ``run`` (>= MIN_HIRAGANA_SPAN kana) spelt by kanji KB words, fewest pieces."""
        n = min(len(run), MAX_RUN)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            cur = best[i]
            if cur is None or len(cur) >= MAX_HIRAGANA_PIECES:
                continue
            for j in range(i + MIN_HIRAGANA_PIECE, min(n, i + self.kanji_max_len) + 1):
                w = (self.kanji_later_of if cur else self.kanji_word_of).get(run[i:j])
                if w is not None and (best[j] is None or len(cur) + 1 < len(best[j])):
                    best[j] = [*cur, w]
        for end in range(n, MIN_HIRAGANA_SPAN - 1, -1):
            if best[end]:
                return end, best[end]
        return None

    def rewrite_hiragana(self, text: str) -> str:
        """``text`` with each hiragana run that begins with KB words' readings (after at most one particle)
        beginning with those words instead.  A run right after a kanji is left alone at its start (okurigana:
        申し込み), but may still hold a particle and a term (有給のしんせい)."""
        if not self.kanji_word_of:
            return text

        def one(m: re.Match[str]) -> str:
            run = m.group()
            after_kanji = m.start() > 0 and _is_kanji(text[m.start() - 1])
            starts = ([] if after_kanji else [0]) + ([1] if run[0] in _PARTICLES and len(run) > 1 else [])
            for s in starts:
                hit = self._kanji_prefix(run[s:])
                if hit is not None:
                    end, words = hit
                    return run[:s] + "".join(words) + run[s + end:]
            return run

        return _HIRAGANA_RUN.sub(one, text)

    def nearest_reading(self, reading: str) -> str | None:
        if len(reading) < MIN_FUZZY or not self._readings or self.reading_cutoff > 100:
            return None
        hit = process.extractOne(reading, self._readings, scorer=fuzz.ratio, score_cutoff=self.reading_cutoff)
        return self.word_of[hit[0]] if hit else None

    def nearest_latin(self, word: str) -> str | None:
        if len(word) < MIN_FUZZY or not self._latin or self.latin_cutoff > 100:
            return None
        hit = process.extractOne(word, self._latin, scorer=fuzz.ratio, score_cutoff=self.latin_cutoff)
        return hit[0] if hit else None

    def rewrite(self, words: Sequence[str], readings: Sequence[str], known: Container[str]) -> list[str]:
        """``words`` with each run of adjacent unknown words replaced by KB words (see the module doc)."""
        out: list[str] = []
        i, n = 0, len(words)
        while i < n:
            if words[i] in known:
                out.append(words[i])
                i += 1
                continue
            if not readings[i]:  # a Latin word
                out.append(self.nearest_latin(words[i]) or words[i])
                i += 1
                continue
            if not readings[i].startswith(KANA_WRITTEN):  # written in kanji: another word, kept
                out.append(words[i])
                i += 1
                continue
            j = i
            while j < n and words[j] not in known and readings[j].startswith(KANA_WRITTEN):
                j += 1
            rs = [r[1:] for r in readings[i:j]]
            # The whole run first (けいひ + せいさん → 経費 精算), else word by word.
            whole = self.segment("".join(rs)) if j - i > 1 else None
            if whole:
                out.extend(whole)
            else:
                for k in range(i, j):
                    got = self.segment(rs[k - i])
                    if got is None:
                        near = self.nearest_reading(rs[k - i])
                        got = [near] if near else [words[k]]
                    out.extend(got)
            i = j
        return out


def _is_kanji(text: str) -> bool:
    """CJK ideographs (and 々, 〆) only."""
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" or ch in "々〆" for ch in text)
