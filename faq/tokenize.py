"""Content-word tokenizers (Japanese via Sudachi, English via a Snowball stemmer) and character n-grams.

Why Sudachi (sudachipy + sudachidict_core) rather than janome: on this machine Sudachi tokenizes a
LocalgovFAQ query in ~0.1 ms against ~2.6 ms for janome (pure Python), which alone would eat a quarter of
the 10 ms budget; install sizes are about the same (~200 MB of dictionary either way).  Sudachi's
``normalized_form`` also unifies spelling variants (引越し / 引っ越し, 申し込み / 申込) for free.
See docs/FAQ_ENGINE.md for the numbers.
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import snowballstemmer
from scipy import sparse

from faq.normalize import fold_kana, has_japanese

if TYPE_CHECKING:
    from sudachipy import Morpheme

# Parts of speech that carry the topic of a question; particles, auxiliaries and symbols do not.
_JA_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞", "代名詞"})
# Content-POS words that still say nothing about the topic ("what is the way to do" words).
_JA_STOPWORDS = frozenset(
    fold_kana(w)
    for w in (
        "為る", "有る", "居る", "成る", "出来る", "思う", "言う", "良い", "いい", "よい", "事", "こと",
        "物", "もの", "方", "様", "よう", "何", "なに", "為", "ため", "時", "とき", "所", "ところ", "又",
        "等", "など", "此れ", "これ", "其れ", "それ", "其の", "その", "此の", "この", "何処", "どこ",
        "如何", "どう", "どの", "いつ", "知る", "教える", "下さる", "くださる", "欲しい", "願う", "分かる",
        "わかる", "行く", "来る", "見る", "御", "お", "ご", "さん", "的", "たい", "私", "僕", "自分", "今",
        "今回", "ちょっと", "少し", "ある", "有り", "筈", "はず",
    )
)
_EN_STOPWORDS = frozenset(
    """a an the and or but if then else of to in on at by for with from into onto about as is are was were
    be been being am do does did done doing have has had having i me my mine we our you your yours he she
    it its they them their this that these those there here what which who whom whose when where why how
    can could would should will shall may might must not no nor so than too very just also any some all
    each both more most other such only own same s t don doesn didn isn aren wasn weren won wouldn
    shouldn can't i'm i've i'd it's get got getting want wanted need needed like know let please tell help
    thanks hi hello way possible anyone someone something thing things one""".split()  # noqa: SIM905
)
_EN_WORD = re.compile(r"[a-z0-9][a-z0-9'+#.]*[a-z0-9+#]|[a-z0-9]")

_stemmer_local = threading.local()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # Snowball stemmer objects keep internal state, so each thread gets its own; results are cached
    # because help-desk vocabularies are small and the same words come back constantly.
    st = getattr(_stemmer_local, "stemmer", None)
    if st is None:
        st = _stemmer_local.stemmer = snowballstemmer.stemmer("english")
    return st.stemWord(word)


def english_words(text: str) -> list[str]:
    """Stemmed English content words (Sudachi's normalized forms keep upper case, hence the lower())."""
    return [_stem(w) for w in _EN_WORD.findall(text.lower()) if w not in _EN_STOPWORDS]


def english_all_words(text: str) -> list[str]:
    """Every stemmed Latin word, function words included: "what time is it" keeps its shape, which the
    content words alone ("time") lose (``ranker`` uses them for the pooled ``entry_all_bigrams``)."""
    return [_stem(w) for w in _EN_WORD.findall(text.lower())]


class JapaneseTokenizer:
    """Sudachi content-word tokenizer; thread-safe (one Sudachi tokenizer per thread, one shared dictionary).

    ``mode`` is Sudachi's split mode: "A" (shortest units), "B" or "C" (named entities kept whole).
    """

    def __init__(self, mode: str = "A") -> None:
        from sudachipy import Dictionary, SplitMode  # imported lazily: ~50 ms dictionary load

        self._dictionary = Dictionary(dict="core")
        self._mode = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[mode]
        self._local = threading.local()
        self._lock = threading.Lock()
        # Dictionary word id → the content words that morpheme contributes (often none).  A dictionary
        # word always has the same POS and normalized form, so the per-morpheme Python work (POS tuple,
        # normalized form, kana folding, stop list) is done once per distinct word instead of once per
        # occurrence: ~1.1 s of CPU on the 10,000-entry build.  Out-of-vocabulary morphemes share ids,
        # so they are analysed every time.  Concurrent writers store identical values, so no lock.
        # Each value: (content words, reading of the content words in hiragana).
        self._by_word_id: dict[int, tuple[tuple[str, ...], str]] = {}

    def _tokenizer(self):
        tok = getattr(self._local, "tok", None)
        if tok is None:
            with self._lock:  # creating a tokenizer touches the shared dictionary
                tok = self._local.tok = self._dictionary.tokenizer(mode=self._mode)
        return tok

    def words(self, text: str) -> list[str]:
        return self.analyse(text)[0]

    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        """Content words, and the reading of each (hiragana, no 長音; "" for Latin words): 経費精算の締め日 →
        けいひ, せいさん, しめび; ケイヒセイサン or ｹｲﾋｾｲｻﾝ (one unknown word to Sudachi) read けいひせいさん."""
        out: list[str] = []
        reading: list[str] = []
        cache = self._by_word_id
        for m in self._tokenizer().tokenize(text):
            wid = m.word_id()
            hit = cache.get(wid)
            if hit is None:
                words = _content_words(m)
                hit = (words, _reading(m) if words and not words[0].isascii() else "")
                if not m.is_oov():
                    if len(cache) >= _WORD_ID_CACHE_MAX:
                        cache.clear()
                    cache[wid] = hit
            out.extend(hit[0])
            reading.extend([hit[1]] * len(hit[0]))
        return out, reading


_WORD_ID_CACHE_MAX = 500_000


def _content_words(m: Morpheme) -> tuple[str, ...]:
    """What one Sudachi morpheme contributes: its normalized form if it is a content word, else nothing."""
    if m.part_of_speech()[0] not in _JA_CONTENT_POS:
        return ()
    form = m.normalized_form()
    if form.isascii():
        # Latin words inside Japanese text (VPN, Slack, PC) go through the English path so that
        # "password" in a Japanese question meets "passwords" in an English one.
        return tuple(english_words(form))
    form = fold_kana(form)
    if form in _JA_STOPWORDS or (len(form) == 1 and "\u3041" <= form <= "\u309f"):
        return ()
    return (form,)


def _reading(m: Morpheme) -> str:
    """A content morpheme's reading in hiragana without 長音 (Sudachi gives katakana; an unknown katakana
    word reads as itself), marked with a leading KANA_WRITTEN when the word was written in kana."""
    reading = _CHOON_AFTER_KANA.sub("", fold_kana(m.reading_form()))
    return KANA_WRITTEN + reading if _KANA_ONLY.fullmatch(m.surface()) else reading


_CHOON_AFTER_KANA = re.compile(r"(?<=[\u3041-\u30fa])ー+")
_KANA_ONLY = re.compile(r"[\u3041-\u30ffー]+")
# Readings of words written in kana carry this mark: only those may be re-read as KB words (faq.readings);
# a kanji word the KB lacks (生産) is another word, not a spelling of a KB one (精算).
KANA_WRITTEN = "*"

# The readings of a text's words travel with its words (``WordTokenizer.analyse``, stored analyses) as
# one last item with this prefix, tab-separated; no word starts with it.
READING_MARK = "\x01"


def split_reading(analysis: Sequence[str]) -> tuple[Sequence[str], list[str]]:
    """(words, reading of each word) of an ``analyse`` result ("" where there is none)."""
    if analysis and analysis[-1].startswith(READING_MARK):
        words = analysis[:-1]
        readings = analysis[-1][1:].split("\t")
        if len(readings) == len(words):
            return words, readings
        return words, [""] * len(words)
    return analysis, [""] * len(analysis)


# Bump when ``WordTokenizer.words`` gives other words for the same text (stop lists, POS filter, folding):
# stored analyses (``Ranker(word_store=...)``) are keyed by ``WordTokenizer.analyser``.
ANALYSIS_VERSION = 2  # 2: readings (``analyse``), kana-written ones marked


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class WordTokenizer:
    """Picks the Japanese or English path per text; the Sudachi dictionary is loaded on first Japanese use."""

    def __init__(self, ja_mode: str = "A") -> None:
        self._ja_mode = ja_mode
        self._ja: JapaneseTokenizer | None = None
        self._lock = threading.Lock()
        # What produced a text's words: stored analyses of another code, Sudachi or dictionary version,
        # or split mode are not reused.
        self.analyser = (f"w{ANALYSIS_VERSION}-sudachi{_dist_version('sudachipy')}-"
                         f"{_dist_version('sudachidict_core')}-{ja_mode}")[:64]

    def _japanese(self) -> JapaneseTokenizer:
        if self._ja is None:
            with self._lock:
                if self._ja is None:
                    self._ja = JapaneseTokenizer(self._ja_mode)
        return self._ja

    def words(self, text: str) -> list[str]:
        if not has_japanese(text):
            return english_words(text)
        return self._japanese().words(text)

    def analyse(self, text: str) -> list[str]:
        """``words`` plus, for Japanese text with content words, the reading string as a last item marked
        with ``READING_MARK`` (``split_reading``): one list, so stored analyses keep their format."""
        if not has_japanese(text):
            return english_words(text)
        ws, readings = self._japanese().analyse(text)
        return [*ws, READING_MARK + "\t".join(readings)] if any(readings) else ws


def char_ngrams(
    text: str, ja_range: tuple[int, int] = (1, 3), en_range: tuple[int, int] = (2, 4)
) -> list[str]:
    """Character n-grams of a char-normalised text.

    Japanese has no spaces and many one-character words (税, 印), so 1-3 grams over the whole run; English
    uses 2-4 grams inside space-padded words, which tolerates typos and inflections without letting
    n-grams straddle two words.
    """
    out: list[str] = []
    for run in text.split(" "):
        if not run:
            continue
        if has_japanese(run):
            lo, hi = ja_range
            s = run
        else:
            lo, hi = en_range
            s = f" {run} "
        n_chars = len(s)
        for n in range(lo, hi + 1):
            out.extend(s[i : i + n] for i in range(n_chars - n + 1))
    return out


def char_ngram_ids(
    texts: Sequence[str], ja_range: tuple[int, int] = (1, 3), en_range: tuple[int, int] = (2, 4)
) -> list[np.ndarray]:
    """``char_ngrams`` of each text as integer ids (one uint64 array per text, any order).

    An n-gram (n ≤ 4) is its code points packed 16 bits each (code point + 1, so lengths cannot collide;
    code points beyond U+FFFE share one value).
    """
    ids, text_of = _ngram_ids(texts, ja_range, en_range)
    order = np.argsort(text_of, kind="stable")
    cuts = np.cumsum(np.bincount(text_of, minlength=len(texts)))
    return np.split(ids[order], cuts[:-1]) if len(texts) else []


def char_ngram_matrix(
    texts: Sequence[str], ja_range: tuple[int, int] = (1, 3), en_range: tuple[int, int] = (2, 4)
) -> tuple[np.ndarray, sparse.csr_matrix]:
    """``char_ngram_ids`` of a whole KB at once: (sorted distinct n-gram ids, texts × ids count matrix).

    One vectorised pass over all texts is what keeps the 10,000-entry build within budget: building
    n-gram strings and looking each one up in a dict cost ~2 s of it, and per-text arrays ~0.5 s.
    """
    ids, text_of = _ngram_ids(texts, ja_range, en_range)
    keys, inverse = np.unique(ids, return_inverse=True)
    m = sparse.csr_matrix((np.ones(len(ids), dtype=np.float64), (text_of, inverse.ravel())),
                          shape=(len(texts), max(len(keys), 1)))
    m.sum_duplicates()
    return keys, m


def _ngram_ids(
    texts: Sequence[str], ja_range: tuple[int, int], en_range: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram id of the texts, and the index of the text it comes from."""
    if max(ja_range[1], en_range[1]) > 4:
        raise ValueError("n-gram ids pack at most 4 characters")
    pieces: list[str] = []
    run_ja: list[bool] = []
    runs_per_text: list[int] = []
    for text in texts:
        k = 0
        # The script test per run only where runs can differ (a Japanese text with spaces): most texts
        # are one Japanese run or all Latin runs, and 150,000 regex calls were a tenth of this function.
        text_ja = has_japanese(text)
        mixed = text_ja and " " in text
        for run in text.split(" "):
            if not run:
                continue
            ja = has_japanese(run) if mixed else text_ja
            pieces.append(run if ja else f" {run} ")
            run_ja.append(ja)
            k += 1
        runs_per_text.append(k)
    if not pieces:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    lens = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    cp = np.frombuffer("".join(pieces).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    cp = np.minimum(cp, 0xFFFE) + 1
    n_pos = len(cp)
    run_of = np.repeat(np.arange(len(pieces)), lens)
    ends = np.cumsum(lens)
    remaining = ends[run_of] - np.arange(n_pos)  # characters from this position to the end of its run
    ja_pos = np.asarray(run_ja, dtype=bool)[run_of]
    text_of_pos = np.repeat(np.arange(len(texts), dtype=np.int64), runs_per_text)[run_of]
    padded = np.concatenate([cp, np.zeros(3, dtype=np.uint64)])
    acc = np.zeros(n_pos, dtype=np.uint64)
    ids: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for n in range(1, 5):
        acc |= padded[n - 1 : n - 1 + n_pos] << np.uint64(16 * (n - 1))
        ok_ja = ja_range[0] <= n <= ja_range[1]
        ok_en = en_range[0] <= n <= en_range[1]
        if not (ok_ja or ok_en):
            continue
        script_ok = ja_pos if ok_ja and not ok_en else (~ja_pos if ok_en and not ok_ja else True)
        valid = (remaining >= n) & script_ok
        ids.append(acc[valid])
        owners.append(text_of_pos[valid])
    return np.concatenate(ids), np.concatenate(owners)
