import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skseq import OOV_INDEX, PAD_INDEX, SAFE_TOKEN_PATTERNS, IntegerSequencer


def test_index_convention_on_real_text(imdb_texts):
    X, _ = imdb_texts
    seq = IntegerSequencer(num_words=500)
    Z = seq.fit_transform(X)
    assert len(Z) == len(X)
    flat = np.concatenate(list(Z))
    assert flat.min() >= OOV_INDEX  # padding index never produced
    assert flat.max() == 499  # every id < num_words, and the budget is used
    assert seq.vocab_size_ == 500
    assert sorted(seq.vocabulary_.values()) == list(range(2, 500))
    # decreasing frequency, ties alphabetical
    words = sorted(seq.vocabulary_, key=seq.vocabulary_.get)
    keys = [(-seq.word_counts_[w], w) for w in words]
    assert keys == sorted(keys)
    assert words[0] == "the"
    # <br /> markup is stripped, not learned as tokens
    assert "br" not in seq.vocabulary_


def test_fit_transform_equals_fit_then_transform(imdb_texts):
    X, _ = imdb_texts
    a = IntegerSequencer(num_words=300).fit_transform(X)
    b = IntegerSequencer(num_words=300).fit(X).transform(X)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def test_vocabulary_does_not_depend_on_document_order(rt_texts):
    X, _ = rt_texts
    a = IntegerSequencer().fit(X).vocabulary_
    b = IntegerSequencer().fit(X[::-1]).vocabulary_
    assert a == b


def test_oov_empty_and_whitespace_documents():
    seq = IntegerSequencer().fit(["good film", "bad film"])
    out = seq.transform(["unknown words here", "", "   \n\t", "good"])
    assert out[0].tolist() == [OOV_INDEX] * 3
    assert out[1].tolist() == [] and out[2].tolist() == []
    assert out[1].dtype == np.int32


def test_pretokenised_input_and_lowercase():
    seq = IntegerSequencer().fit([["Good", "film"], ["bad", "film"]])
    assert set(seq.vocabulary_) == {"good", "film", "bad"}
    cased = IntegerSequencer(lowercase=False).fit([["Good", "film"]])
    assert "Good" in cased.vocabulary_


def test_min_frequency_and_custom_tokenizer():
    seq = IntegerSequencer(min_frequency=2).fit(["a a b", "a c c"])
    assert set(seq.vocabulary_) == {"a", "c"}
    seq = IntegerSequencer(tokenizer=str.split).fit(["don't stop,now"])
    assert set(seq.vocabulary_) == {"don't", "stop,now"}


def test_contractions_unicode_and_emoji():
    seq = IntegerSequencer().fit(["Don't panic 😀 — Привет мир, 映画"])
    assert {"don't", "panic", "привет", "мир", "映画"} <= set(seq.vocabulary_)


def test_bytes_rows_are_decoded():
    seq = IntegerSequencer().fit([b"good film", "bad film"])
    assert "good" in seq.vocabulary_
    with pytest.raises(ValueError, match="Document 0 is bytes that are not valid"):
        seq.transform([b"\xff\xfe"])


def test_inverse_transform_round_trip(rt_texts):
    X, _ = rt_texts
    seq = IntegerSequencer(num_words=200).fit(X)
    ids = seq.transform(X[:5])
    tokens = seq.inverse_transform(ids)
    assert [len(t) for t in tokens] == [len(i) for i in ids]
    assert all(t in seq.vocabulary_ or t == "<OOV>" for doc in tokens for t in doc)
    padded = np.array([[0, 0, 2, 1]])
    first_word = min(seq.vocabulary_, key=seq.vocabulary_.get)
    assert seq.inverse_transform(padded) == [[first_word, "<OOV>"]]
    with pytest.raises(ValueError, match="Row 0"):
        seq.inverse_transform([[10_000]])


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("just one string", TypeError, "string object received"),
        (["fine", None], ValueError, "Document 1 is missing"),
        (["fine", float("nan")], ValueError, "Document 1 is missing"),
        (["fine", "also", 3], TypeError, "Document 2 is int"),
        ([["tok", 5]], TypeError, "token 1 is int"),
        ([], ValueError, "empty collection"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "1-D collection"),
    ],
)
def test_bad_documents_name_the_row(X, error, match):
    with pytest.raises(error, match=match):
        IntegerSequencer().fit(X)


@pytest.mark.parametrize("num_words", [0, 2, -1, 2.5])
def test_bad_num_words(num_words):
    with pytest.raises(ValueError, match="'num_words' parameter of IntegerSequencer"):
        IntegerSequencer(num_words=num_words).fit(["a b"])


def test_num_words_larger_than_vocabulary():
    seq = IntegerSequencer(num_words=10_000).fit(["a b c"])
    assert seq.vocab_size_ == 5


def test_very_long_document():
    doc = "word " * 1_000_000
    out = IntegerSequencer().fit_transform([doc, "short"])
    assert out[0].shape == (1_000_000,)


def test_control_characters_are_separators():
    out = IntegerSequencer().fit(["a\x00b\x07c"]).vocabulary_
    assert set(out) == {"a", "b", "c"}


def test_transform_before_fit():
    with pytest.raises(NotFittedError):
        IntegerSequencer().transform(["a"])


def test_init_only_assigns_and_clone_round_trips():
    seq = IntegerSequencer(num_words=-5, token_pattern="(")  # invalid, but no error
    assert seq.get_params()["num_words"] == -5
    clone(seq)
    seq.set_params(num_words=100)
    assert clone(seq).get_params() == seq.get_params()


def test_bad_token_pattern():
    with pytest.raises(ValueError, match="token_pattern"):
        IntegerSequencer(token_pattern="(").fit(["a"])


def test_pickle_fitted_and_refit_forgets(rt_texts):
    X, _ = rt_texts
    seq = IntegerSequencer(num_words=100).fit(X)
    restored = pickle.loads(pickle.dumps(seq))
    assert restored.vocabulary_ == seq.vocabulary_
    assert all(np.array_equal(a, b)
               for a, b in zip(restored.transform(X), seq.transform(X), strict=True))
    seq.fit(["only these words"])
    assert set(seq.vocabulary_) == {"only", "these", "words"}


def test_transform_is_idempotent(rt_texts):
    X, _ = rt_texts
    seq = IntegerSequencer().fit(X)
    a, b = seq.transform(X), seq.transform(X)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def test_pad_index_constant():
    assert PAD_INDEX == 0 and OOV_INDEX == 1


@pytest.mark.parametrize("pattern", SAFE_TOKEN_PATTERNS)
def test_fast_tokenizer_equals_the_regex(pattern, imdb_texts, rt_texts):
    # The safe patterns split ASCII text without the regex engine; the
    # tokens must be exactly the regex's, on real text and on every ASCII
    # character next to words, apostrophes and spaces.
    import re
    from itertools import product

    from skseq._sequencer import _fast_split

    split, findall = _fast_split(pattern), re.compile(pattern).findall
    ascii_chars = [chr(i) for i in range(128)]
    crafted = ["".join(p) for p in product(["a", "'", " ", "b2", "_"] + ascii_chars[:40],
                                           repeat=2)]
    crafted += [f"x{c}y{c}" for c in ascii_chars] + [f"{c}don't{c}" for c in ascii_chars]
    crafted += ["", "'", "''", "a''b", "'tis dogs' rock'n'roll", "naïve café", "\u212a",
                "x\x1cy\x1fz\x85w", "a\tb\nc\rd\x0be\x0cf", "I a ab abc"]
    crafted += ["\x01", "a\x01b", "\x01\x01 'x"]
    docs = [d.lower() for d in list(imdb_texts[0]) + list(rt_texts[0])] + crafted
    for doc in docs:
        assert split(doc) == findall(doc), repr(doc)

    # The same through the estimator, which splits runs of joined documents
    # (ASCII and not, in any order), unless a text holds \x01 (end marks).
    regex = IntegerSequencer(tokenizer=findall, lowercase=False)
    fast = IntegerSequencer(token_pattern=pattern, lowercase=False)
    without_marks = [d for d in docs if "\x01" not in d]
    for batch in (without_marks, without_marks[::-1], docs):
        expected = regex.fit_transform(batch)
        for got in (fast.fit_transform(batch), fast.fit(batch).transform(batch)):
            assert fast.word_counts_ == regex.word_counts_
            assert fast.vocabulary_ == regex.vocabulary_
            assert len(got) == len(expected)
            for a, b in zip(got, expected, strict=True):
                np.testing.assert_array_equal(a, b)


def test_old_name_of_vocab_size_warns_and_still_works():
    seq = IntegerSequencer(num_words=50).fit(["a b c", "a b", "a"])
    with pytest.warns(FutureWarning, match="renamed vocab_size_"):
        assert seq.vocabulary_size_ == seq.vocab_size_ == 5
    assert "vocabulary_size_" not in vars(seq)
