"""What the faster index build must keep: the same words, the same counts, and the new Latin signal."""

from faq.engine import FaqDoc, FaqEngine
from faq.index import encode_terms
from faq.tokenize import JapaneseTokenizer, english_all_words


def test_encode_terms_counts_each_row_on_one_shared_vocabulary() -> None:
    vocab, counts = encode_terms([["vpn", "接続", "vpn"], [], ["接続", "経費"]])
    assert sorted(vocab) == ["vpn", "接続", "経費"]
    dense = counts.toarray()
    assert dense.shape == (3, 3)
    assert dense[0, vocab["vpn"]] == 2 and dense[0, vocab["接続"]] == 1
    assert dense[1].sum() == 0
    assert dense[2, vocab["経費"]] == 1 and dense[2, vocab["vpn"]] == 0


def test_japanese_words_are_the_same_when_the_word_cache_is_warm() -> None:
    tokenizer = JapaneseTokenizer()
    # Out-of-vocabulary morphemes (xyzzy, ほげほげ) share ids, so they must not be served from the cache.
    texts = ["パスワードを忘れました", "ほげほげのパスワードを変更したい", "xyzzyにログインできない"]
    cold = [tokenizer.words(t) for t in texts]
    warm = [tokenizer.words(t) for t in texts]
    assert cold == warm
    assert "ぱすわーど" in cold[0] and "xyzzi" in cold[2]  # Latin words are stemmed


def test_all_words_keep_function_words() -> None:
    assert english_all_words("What time is it?") == ["what", "time", "is", "it"]


def test_intent_made_of_common_words_is_found_by_its_shape() -> None:
    docs = [
        FaqDoc(id="time", question="what time is it", variants=("tell me the current time", "現在の時刻")),
        FaqDoc(id="timezone", question="which time zone is the tokyo office in"),
        FaqDoc(id="timesheet", question="where do i enter my time sheet"),
    ]
    engine = FaqEngine.build(docs, embedder=None)  # the lexical signal itself (the fallback without the model)
    top = engine.candidates("what time is it right now", k=3)
    assert top[0].doc == 0
    assert top[0].signals["entry_all_bigrams"] > max(c.signals["entry_all_bigrams"] for c in top[1:])
    # Japanese queries do not use the signal (their weight set leaves it at 0).
    assert engine.candidates("時刻", k=1)[0].signals["entry_all_bigrams"] == 0.0
