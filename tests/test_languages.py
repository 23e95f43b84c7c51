"""Languages and characters: analyzers, Unicode, named segmenters, the
unsplit-text warning, and the whole path (fit, explanations, files, CLI)
on real Chinese reviews and first names."""

import json
import os
import subprocess
import sys
import unicodedata
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from _crafted import read_members, rewrite_manifest
from skseq import SEGMENTERS, IntegerSequencer, Padder, load, save
from skseq.datasets import load_chinese_reviews, load_first_names
from skseq.experiments import SEED_ARCHITECTURE


@pytest.fixture(scope="module")
def chinese():
    """300 Chinese reviews (training split) and 100 others (test split)."""
    X, y = load_chinese_reviews("train", return_X_y=True)
    X_test, y_test = load_chinese_reviews("test", return_X_y=True)
    return X[:300], y[:300], X_test[:100], y_test[:100]


@pytest.fixture(scope="module")
def names():
    X, y = load_first_names("train", return_X_y=True)
    return X[:2000], y[:2000]


def _multilingual(chinese, names, imdb_texts):
    return list(chinese[0][:50]) + list(names[0][:50]) + list(imdb_texts[0][:20])


# --- the data sets

def test_data_sets_are_what_their_descriptions_say():
    reviews, first = load_chinese_reviews(), load_first_names()
    assert len(reviews.data) == 17363 and np.bincount(reviews.target).tolist() == [9031, 8332]
    assert len(set(reviews.data)) == len(reviews.data)
    assert len(first.data) == 35972 and np.bincount(first.target).tolist() == [17585, 18387]
    assert len(set(first.data)) == len(first.data) and "+" not in "".join(first.data)
    for loader in (load_chinese_reviews, load_first_names):
        train, test = loader("train"), loader("test")
        assert not set(train.data) & set(test.data)
        assert len(train.data) + len(test.data) == len(loader().data)
        with pytest.raises(ValueError, match="'subset' parameter of load_"):
            loader("dev")


# --- analyzers

def test_char_round_trips_through_inverse_transform(chinese, names, imdb_texts):
    texts = _multilingual(chinese, names, imdb_texts)
    seq = IntegerSequencer(analyzer="char").fit(texts)
    preprocess = seq._make_preprocess()
    for text, tokens in zip(texts, seq.inverse_transform(seq.transform(texts)), strict=True):
        assert "".join(tokens) == " ".join(preprocess(text).split())
    # every character is a token: Chinese reviews hold hundreds of distinct ones
    assert all(len(t) == 1 for t in seq.vocabulary_ if t.isascii())
    assert sum(not t.isascii() for t in seq.vocabulary_) > 300


def test_char_wb_reads_each_word_between_boundaries(chinese, names, imdb_texts):
    texts = _multilingual(chinese, names, imdb_texts)
    seq = IntegerSequencer(analyzer="char_wb").fit(texts)
    preprocess = seq._make_preprocess()
    for text, tokens in zip(texts, seq.inverse_transform(seq.transform(texts)), strict=True):
        words = preprocess(text).split()
        assert "".join(tokens) == "".join(f" {w} " for w in words)
    # its bigrams at word starts and ends are CountVectorizer's char_wb bigrams
    cv = CountVectorizer(analyzer="char_wb", ngram_range=(2, 2),
                         preprocessor=preprocess).fit(texts[-20:])
    tokens = seq.inverse_transform(seq.transform(texts[-20:]))
    ours = {a + b for row in tokens for a, b in zip(row, row[1:], strict=False)
            if a + b != "  "}
    assert ours == set(cv.vocabulary_)


def test_word_analyzer_unchanged(imdb_texts):
    texts = imdb_texts[0]
    default, explicit = IntegerSequencer().fit(texts), IntegerSequencer(analyzer="word")
    explicit.fit(texts)
    assert default.vocabulary_ == explicit.vocabulary_
    assert default.segmenter_versions_ == {}
    assert all(np.array_equal(a, b) for a, b in zip(default.transform(texts),
                                                   explicit.transform(texts), strict=True))


def test_char_transform_equals_fit_transform_and_token_lists(chinese):
    texts = list(chinese[0][:100])
    seq = IntegerSequencer(analyzer="char", num_words=200)
    fitted = seq.fit_transform(texts)
    assert all(np.array_equal(a, b) for a, b in zip(fitted, seq.transform(texts),
                                                   strict=True))
    assert max(int(row.max()) for row in fitted if row.size) < 200
    # the tokenizer explanations use gives the same tokens per text
    tokenize = seq._make_tokenize()
    flat = seq.inverse_transform(seq.transform(texts[:5]))
    vocabulary = set(seq.vocabulary_)
    for text, tokens in zip(texts[:5], flat, strict=True):
        assert [t if t in vocabulary else seq.oov_token for t in tokenize(text)] == tokens


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
@pytest.mark.parametrize("setting", [dict(tokenizer="jieba"), dict(token_pattern=r"\S+")])
def test_char_analyzers_refuse_word_settings(analyzer, setting):
    with pytest.raises(ValueError, match=f"analyzer='{analyzer}'.*'{next(iter(setting))}'"):
        IntegerSequencer(analyzer=analyzer, **setting).fit(["abc"])


@pytest.mark.parametrize("params", [dict(analyzer="bytes"), dict(normalization="NFX"),
                                    dict(tokenizer="mecab")])
def test_unknown_settings_are_refused(params):
    with pytest.raises(ValueError, match=next(iter(params))):
        IntegerSequencer(**params).fit(["abc"])


def test_params_round_trip():
    seq = IntegerSequencer(analyzer="char_wb", normalization="NFKC", tokenizer=None)
    assert clone(seq).get_params() == seq.get_params()
    assert IntegerSequencer(tokenizer="jieba").set_params(analyzer="char").analyzer == "char"


# --- Unicode, on purpose

@pytest.mark.parametrize("text, expected", [
    ("e\u0301te\u0301", ["e\u0301", "t", "e\u0301"]),                # combining acute
    ("ok\U0001F44D\U0001F3FD", ["o", "k", "\U0001F44D\U0001F3FD"]),  # skin tone
    ("\U0001F468\u200d\U0001F469\u200d\U0001F467!",                   # ZWJ family
     ["\U0001F468\u200d\U0001F469\u200d\U0001F467", "!"]),
    ("\U0001F1EB\U0001F1F7\U0001F1E9\U0001F1EA", ["\U0001F1EB\U0001F1F7",
                                                  "\U0001F1E9\U0001F1EA"]),  # flags
    ("\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
     ["\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"]),  # tags
    ("\u2764\ufe0f", ["\u2764\ufe0f"]),                                # variation selector
    ("\ud83d\ude00x", ["\U0001F600", "x"]),                            # surrogate pair
    ("שלום עולם", ["ש", "ל", "ו", "ם", " ", "ע", "ו", "ל", "ם"]),      # right to left
    ("مرحبا", ["م", "ر", "ح", "ب", "ا"]),
    ("नमस्ते", ["न", "म", "स्", "ते"]),                                 # Devanagari marks
    ("a \t\n b ", ["a", " ", "b"]),                                   # whitespace runs
])
def test_characters_a_reader_sees(text, expected):
    seq = IntegerSequencer(analyzer="char", lowercase=False).fit([text])
    assert seq.inverse_transform(seq.transform([text])) == [expected]


def test_normalization():
    nfd, nfc = "cafe\u0301", "caf\u00e9"
    seq = IntegerSequencer(analyzer="char", normalization="NFC").fit([nfd])
    assert seq.transform([nfc])[0].tolist() == seq.transform([nfd])[0].tolist()
    assert list(seq.vocabulary_) == ["a", "c", "f", "\u00e9"]
    wide = IntegerSequencer(analyzer="char", normalization="NFKC").fit(["ＡＢＣ１２ｶﾀ"])
    assert sorted(wide.vocabulary_) == ["1", "2", "a", "b", "c", "カ", "タ"]
    # without it the compatibility forms stay as they are
    assert "ａ" in IntegerSequencer(analyzer="char").fit(["ＡＢＣ"]).vocabulary_
    # token lists are normalised the same way
    words = IntegerSequencer(normalization="NFKC").fit([["ＡＢＣ", "x"]])
    assert set(words.vocabulary_) == {"abc", "x"}
    hangul = "\u1112\u1161\u11ab"  # conjoining jamo
    jamo = IntegerSequencer(analyzer="char", normalization="NFC").fit([hangul])
    assert list(jamo.vocabulary_) == [unicodedata.normalize("NFC", hangul)]


# --- named segmenters

JAPANESE = ["この映画はとても面白かったです。", "東京都に住んでいます"]
THAI = ["หนังเรื่องนี้สนุกมาก", "ผมรักภาษาไทย"]


@pytest.mark.parametrize("name, texts, words", [
    ("jieba", None, {"质量", "不错"}),
    ("sudachi", JAPANESE, {"映画", "東京都"}),
    ("pythainlp", THAI, {"หนัง", "ภาษาไทย"}),
])
def test_named_segmenters_split_words_and_save_by_name(name, texts, words, chinese,
                                                      tmp_path):
    pytest.importorskip({"jieba": "jieba", "sudachi": "sudachipy",
                         "pythainlp": "pythainlp"}[name])
    texts = list(chinese[0][:200]) + ["质量不错"] if texts is None else texts
    seq = IntegerSequencer(tokenizer=name).fit(texts)
    assert words <= set(seq.vocabulary_)
    assert not any(t.isspace() for t in seq.vocabulary_)
    assert set(seq.segmenter_versions_) >= {name if name != "sudachi" else "sudachipy"}
    path = tmp_path / "seq.skseq"
    save(seq, path)
    step = json.loads(read_members(path)["manifest.json"])["steps"][0]
    assert step["params"]["tokenizer"] == name
    assert step["state"]["segmenter_versions_"] == seq.segmenter_versions_
    loaded = load(path)
    assert loaded.tokenizer == name and loaded.segmenter_versions_ == seq.segmenter_versions_
    assert all(np.array_equal(a, b) for a, b in zip(loaded.transform(texts),
                                                   seq.transform(texts), strict=True))
    assert SEGMENTERS[name] in ("Chinese", "Japanese", "Thai")


@pytest.fixture(scope="module")
def jieba_file(chinese, tmp_path_factory):
    pytest.importorskip("jieba")
    path = tmp_path_factory.mktemp("jieba") / "seq.skseq"
    save(IntegerSequencer(tokenizer="jieba").fit(chinese[0][:50]), path)
    return path


def test_missing_segmenter_at_load_names_the_extra(jieba_file, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jieba" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"jieba.*pip install 'skseq\[chinese\]'"):
        load(jieba_file)
    with pytest.raises(ModuleNotFoundError, match=r"skseq\[chinese\]"):
        IntegerSequencer(tokenizer="jieba").fit(["没有"])


def test_other_segmenter_version_warns_and_bad_versions_refused(jieba_file, tmp_path):
    from skseq import UnsafeModelFileError

    def set_versions(versions):
        def mutate(manifest):
            manifest["steps"][0]["state"]["segmenter_versions_"] = versions
        return mutate

    rewrite_manifest(jieba_file, set_versions({"jieba": "0.1"}))
    with pytest.warns(UserWarning, match="jieba 0.1.*words may be split differently"):
        load(jieba_file)
    for bad in ({"numpy": "1.0"}, {"jieba": 3}, []):
        rewrite_manifest(jieba_file, set_versions(bad))
        with pytest.raises(UnsafeModelFileError, match="segmenter_versions_"):
            load(jieba_file)


def test_callable_tokenizer_works_in_memory_and_joblib_but_save_refuses(chinese, tmp_path):
    texts = list(chinese[0][:50])
    seq = IntegerSequencer(tokenizer=list).fit(texts)  # characters, by a callable
    joblib.dump(seq, tmp_path / "seq.joblib")
    again = joblib.load(tmp_path / "seq.joblib")
    assert again.vocabulary_ == seq.vocabulary_
    with pytest.raises(TypeError, match="callable.*tokenizer='jieba' \\(Chinese\\), "
                                        "'sudachi' \\(Japanese\\), 'pythainlp' \\(Thai\\)"
                                        ".*analyzer='char'"):
        save(seq, tmp_path / "seq.skseq")
    assert not (tmp_path / "seq.skseq").exists()


# --- the warning where words cannot be split

def _warnings_of(seq, texts):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seq.fit(texts)
    return [w for w in caught if "not words" in str(w.message)]


def test_unsplit_text_warns_once_naming_the_fixes(chinese):
    caught = _warnings_of(IntegerSequencer(), chinese[0])
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "analyzer='char'" in message and "tokenizer='jieba' (Chinese)" in message
    assert caught[0].filename == __file__  # points at the user's call
    # runs of over 30 characters (DNA, hashes) warn too
    dna = ["".join(np.random.RandomState(i).choice(list("acgt"), 60)) for i in range(20)]
    assert len(_warnings_of(IntegerSequencer(), dna)) == 1


@pytest.mark.parametrize("seq", [IntegerSequencer(analyzer="char"),
                                 IntegerSequencer(analyzer="char_wb"),
                                 IntegerSequencer(tokenizer=list)])
def test_no_warning_where_tokens_are_chosen(seq, chinese):
    assert _warnings_of(seq, chinese[0]) == []


def test_no_warning_for_english_or_names(imdb_texts, rt_texts, names):
    for texts in (imdb_texts[0], rt_texts[0], names[0]):
        assert _warnings_of(IntegerSequencer(), texts) == []


# --- the whole path on characters

@pytest.fixture(scope="module")
def char_pipeline(chinese):
    from skseq import LSTMSequenceClassifier

    X, y, _, _ = chinese
    pipe = make_pipeline(
        IntegerSequencer(analyzer="char", normalization="NFKC", num_words=500),
        Padder(maxlen=80),
        LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, "linear_ngrams": 3}, units=8,
                               embedding_dim=8, epochs=2, random_state=0))
    return pipe.fit(X, y)


def test_character_pipeline_learns_and_is_padding_invariant(char_pipeline, chinese):
    _, _, X_test, y_test = chinese
    proba = char_pipeline.predict_proba(X_test)
    assert np.mean(char_pipeline.predict(X_test) == y_test) > 0.6
    # the same tokens padded wider, on either side: the same probabilities
    seqs = [s[-80:] for s in char_pipeline[0].transform(X_test)]
    for side in ("pre", "post"):
        padded = Padder(maxlen=120, padding=side).fit(seqs).transform(seqs)
        np.testing.assert_allclose(char_pipeline[-1].predict_proba(padded), proba,
                                   atol=1e-6, rtol=0)


def test_explanations_show_characters(char_pipeline, chinese):
    from skseq.inspection import token_attributions

    text = chinese[2][0]
    for method in ("occlusion", "integrated_gradients"):
        result = token_attributions(char_pipeline, [text], method=method)[0]
        shown = "".join(result.tokens)
        assert shown == " ".join(unicodedata.normalize("NFKC", text).lower().split())[-80:]
        assert result.separator == "" and len(result.scores) == len(result.tokens)
    assert "</span><span" in result._repr_html_()  # no spaces added between characters


def test_plots_draw_space_tokens_visibly():
    pytest.importorskip("matplotlib")
    from skseq.inspection import TokenAttribution
    from skseq.plotting import plot_token_attributions

    result = TokenAttribution(tokens=["a", " ", "b"], scores=np.array([0.1, 0.3, -0.2]),
                              oov=np.zeros(3, bool), proba=np.array([0.4, 0.6]), target=1,
                              separator="")
    figure = plot_token_attributions(result)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["\u2423", "b", "a"]


def test_character_pipeline_files_round_trip(char_pipeline, chinese, tmp_path):
    path = tmp_path / "chars.skseq"
    save(char_pipeline, path)
    loaded = load(path)
    assert loaded[0].get_params() == char_pipeline[0].get_params()
    np.testing.assert_array_equal(loaded.predict_proba(chinese[2]),
                                  char_pipeline.predict_proba(chinese[2]))


def test_character_five_grams_fit_save_and_explain(names, tmp_path):
    from skseq import LSTMSequenceClassifier
    from skseq.inspection import token_attributions

    X, y = names
    pipe = make_pipeline(IntegerSequencer(analyzer="char_wb"), Padder(),
                         LSTMSequenceClassifier(linear_ngrams=5, units=4, embedding_dim=4,
                                                epochs=1, random_state=0))
    pipe.fit(X[:600], y[:600])
    save(pipe, tmp_path / "names.skseq")
    loaded = load(tmp_path / "names.skseq")
    assert loaded[-1].architecture_["linear_ngrams"] == 5
    np.testing.assert_array_equal(loaded.predict_proba(X[600:700]),
                                  pipe.predict_proba(X[600:700]))
    result = token_attributions(loaded, ["Marietta"], method="integrated_gradients")[0]
    assert "".join(result.tokens) == " marietta " and abs(result.completeness_gap) < 1e-3


def test_cli_explains_characters(char_pipeline, chinese, tmp_path):
    path = tmp_path / "chars.skseq"
    save(char_pipeline, path)
    text = chinese[2][1]
    result = subprocess.run(
        [sys.executable, "-m", "skseq", "explain", str(path), text, "--top", "3"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    row = result.stdout.splitlines()[1].split("\t")
    tokens = [part.rsplit(" (", 1)[0] for part in row[2].split(", ")]
    assert len(tokens) == 3 and all(len(t) == 1 and t in text.lower() for t in tokens)


def test_names_character_model_beats_chance(names):
    from skseq import LSTMSequenceClassifier

    X, y = names
    pipe = make_pipeline(IntegerSequencer(analyzer="char"), Padder(),
                         LSTMSequenceClassifier(units=8, embedding_dim=8, epochs=2,
                                                random_state=0))
    pipe.fit(X[:1500], y[:1500])
    assert np.mean(pipe.predict(X[1500:]) == y[1500:]) > 0.65
