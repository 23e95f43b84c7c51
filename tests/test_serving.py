"""Serving: a fitted pipeline as one Keras model on raw strings, and its SavedModel."""

import json
import os
import random
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skseq import (
    SAFE_TOKEN_PATTERNS,
    IntegerSequencer,
    LSTMSequenceClassifier,
    LSTMSequenceRegressor,
    Padder,
    save,
)
from skseq.datasets import load_imdb

tf = pytest.importorskip("tensorflow")
serving = pytest.importorskip("skseq.serving")
to_keras, export_saved_model = serving.to_keras, serving.export_saved_model

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
TINY = dict(units=4, embedding_dim=4, epochs=1, random_state=0)

# Characters where Python's and TensorFlow's own rules differ, or that
# IntegerSequencer treats specially.
_ALPHABET = list("aAbBzZ09_' \t\n.") + [
    "Σ", "σ", "ς", "Α", "ω", "\u0301", "\u0345", "\u00ad", "\u200d", "\u200b",
    "İ", "ı", "I", "ǅ", "ß", "ẞ", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000",
    "好", "书", "タ", "ﾀ", "🇫", "🇷", "👍", "🏽", "\U000e0067", "\ufe0f", "<", ">", "br",
    "/", "٣", "Ⅻ", "²", "\x00", "\U0010ffff", "\ufffd", "ﬁ", "Ǆ", "ᾈ", "ᾳ", "Ω", "𐐀"]


def fuzz_texts(n, seed, alphabet=_ALPHABET, longest=40):
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
            for _ in range(n)]


@pytest.fixture(scope="module")
def texts(rt_texts):
    """Training sentences, and what the served models are checked on: the
    export check texts, sentences, long reviews, hostile text."""
    X, y = rt_texts
    reviews = load_imdb("test", return_X_y=True)[0][:12]
    checked = list(serving.CHECK_TEXTS) + list(X[200:240]) + list(reviews) \
        + fuzz_texts(30, seed=0)
    return list(X[:200]), y[:200], checked


def max_difference(served, expected):
    return float(np.max(np.abs(np.asarray(served) - expected), initial=0.0))


def fitted(texts, y, sequencer=None, padder=None, estimator=None):
    return make_pipeline(sequencer or IntegerSequencer(), padder or Padder(maxlen=30),
                         estimator or LSTMSequenceClassifier(**TINY)).fit(texts, y)


ARCHITECTURES = {
    "defaults": {},
    "seed model": dict(conv_filters=0, pooling="last", linear_ngrams=0),
    "gru": dict(layer_type="gru"),
    "simple_rnn": dict(layer_type="simple_rnn", conv_filters=0),
    "bidirectional": dict(bidirectional=True, conv_filters=0),
    "stacked": dict(n_layers=2),
    "max pooling": dict(pooling="max"),
    "mean pooling": dict(pooling="mean", conv_filters=0),
    "max_mean pooling": dict(pooling="max_mean"),
    "attention": dict(pooling="attention"),
    "recurrent dropout": dict(recurrent_dropout=0.2, conv_filters=0),
    "unigram head": dict(linear_ngrams=1),
    "5-gram head": dict(linear_ngrams=5, ngram_buckets=2**12),
    "unmasked": dict(mask_padding=False),
    "unmasked conv, pool 3": dict(mask_padding=False, conv_filters=4, pool_size=3),
}


@pytest.mark.parametrize("params", ARCHITECTURES.values(), ids=ARCHITECTURES)
def test_served_model_equals_the_pipeline_for_every_architecture(texts, params,
                                                                 tmp_path):
    X, y, checked = texts
    pipe = fitted(X, y, estimator=LSTMSequenceClassifier(**TINY, **params))
    expected = pipe.predict_proba(checked)
    served = to_keras(pipe)(checked)
    assert served.dtype == tf.float64 and served.shape == (len(checked), 2)
    assert max_difference(served, expected) <= 1e-6
    export_saved_model(pipe, tmp_path / "served")
    serve = tf.saved_model.load(str(tmp_path / "served")).signatures["serving_default"]
    assert max_difference(serve(texts=tf.constant(checked))["probabilities"],
                          expected) <= 1e-6


READERS = {
    **{f"token_pattern={p}": dict(sequencer=IntegerSequencer(token_pattern=p))
       for p in SAFE_TOKEN_PATTERNS},
    "char": dict(sequencer=IntegerSequencer(analyzer="char"), padder=Padder(maxlen=80)),
    "char_wb, post padding": dict(sequencer=IntegerSequencer(analyzer="char_wb"),
                                  padder=Padder(maxlen=80, padding="post")),
    "no lowercasing, markup kept": dict(
        sequencer=IntegerSequencer(lowercase=False, strip_markup=False)),
    "few words (OOV)": dict(sequencer=IntegerSequencer(num_words=40)),
    "truncating post, unmasked": dict(
        padder=Padder(maxlen=12, truncating="post"),
        estimator=LSTMSequenceClassifier(**TINY, mask_padding=False)),
    "post padding, unmasked": dict(
        padder=Padder(maxlen=12, padding="post"),
        estimator=LSTMSequenceClassifier(**TINY, mask_padding=False)),
    "learned width": dict(padder=Padder()),
}


@pytest.mark.parametrize("parts", READERS.values(), ids=READERS)
def test_served_model_reads_text_as_the_pipeline_does(texts, parts):
    X, y, checked = texts
    pipe = fitted(X, y, **parts)
    assert max_difference(to_keras(pipe)(checked), pipe.predict_proba(checked)) <= 1e-6


def test_multiclass_multilabel_and_regression_targets(texts):
    X, y, checked = texts
    labels = np.array(["comedy", "drama", "horror"])[np.arange(len(X)) % 3]
    multiclass = fitted(X, labels)
    assert max_difference(to_keras(multiclass)(checked),
                          multiclass.predict_proba(checked)) <= 1e-6
    indicator = np.column_stack([y, np.arange(len(X)) % 3 == 1]).astype(int)
    multilabel = fitted(X, indicator)
    assert max_difference(to_keras(multilabel)(checked),
                          multilabel.predict_proba(checked)) <= 1e-6
    # a target far from 0 and 1: the affine map is applied in float64
    regressor = fitted(X, 5000 + 1000 * y.astype(float),
                       estimator=LSTMSequenceRegressor(**TINY))
    served = to_keras(regressor)(checked)
    assert served.shape == (len(checked),)
    assert max_difference(served, regressor.predict(checked)) <= 1e-6
    two = fitted(X, np.column_stack([y, -y]).astype(float),
                 estimator=LSTMSequenceRegressor(**TINY))
    assert max_difference(to_keras(two)(checked), two.predict(checked)) <= 1e-6


@pytest.mark.parametrize("kind", ["masked", "unmasked, post padding, truncating post"])
def test_numeric_sequences_are_served_from_steps_and_lengths(kind):
    rng = np.random.RandomState(0)
    rows = [rng.standard_normal((rng.randint(1, 40), 3)).astype(np.float32)
            for _ in range(120)]
    y = np.array([r[:, 0].mean() > 0 for r in rows]).astype(int)
    if kind == "masked":
        padder, params = Padder(maxlen=25), {}
    else:
        padder, params = Padder(maxlen=25, padding="post", truncating="post"), \
            dict(mask_padding=False)
    pipe = make_pipeline(padder, LSTMSequenceClassifier(**TINY, **params)).fit(rows, y)
    lengths = np.array([len(r) for r in rows])
    steps = np.full((len(rows), lengths.max(), 3), 123.0, np.float32)  # beyond: ignored
    for i, r in enumerate(rows):
        steps[i, :len(r)] = r
    served = to_keras(pipe)((steps, lengths))
    assert max_difference(served, pipe.predict_proba(rows)) <= 1e-6
    steps[0, 0, 1] = np.nan  # a real step must be finite, as Padder checks
    with pytest.raises(tf.errors.InvalidArgumentError, match="finite"):
        to_keras(pipe)((steps, lengths))
    with pytest.raises(tf.errors.InvalidArgumentError, match="exceeds"):
        to_keras(pipe)((steps[:, :3], lengths))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least one step"):
        to_keras(pipe)((steps, np.where(np.arange(len(rows)) == 3, 0, lengths)))


@pytest.mark.parametrize("settings", [
    {}, {"token_pattern": r"(?u)\b\w\w+\b"}, {"token_pattern": r"\w+"},
    {"token_pattern": r"\S+"}, {"analyzer": "char"}, {"analyzer": "char_wb"},
    {"lowercase": False}, {"strip_markup": False, "analyzer": "char"},
], ids=repr)
def test_reader_gives_the_sequencers_ids_on_hostile_text(settings):
    # every id of every text, with a vocabulary of the fuzz texts themselves
    # (so that almost every token has an id of its own)
    texts = fuzz_texts(1500, seed=1) + fuzz_texts(300, seed=2, alphabet=list(
        "aAbB zZ'_09.<>\t\n\x1f"))
    seq = IntegerSequencer(**settings).fit(texts)
    padder = Padder(maxlen=200, padding="post").fit([[1]])
    # the reader needs the network's embedding size and layout only
    network = SimpleNamespace(vocab_size_=seq.vocab_size_, architecture_=dict(
        mask_padding=True, conv_filters=0, pool_size=2))
    ids, kept = serving._TextReader(seq, padder, network)(texts)
    ids, kept = ids.numpy(), kept.numpy()
    expected = seq.transform(texts)
    wrong = [i for i, row in enumerate(expected)
             if ids[i, :kept[i]].tolist() != row.tolist() or ids[i, kept[i]:].any()]
    assert not wrong, [texts[i] for i in wrong[:5]]


def test_lowercasing_equals_str_lower_on_every_code_point():
    seq = IntegerSequencer(analyzer="char").fit(["a"])
    reader = serving._TextReader(seq, Padder(maxlen=4).fit([[1]]), SimpleNamespace(
        vocab_size_=3, architecture_=dict(mask_padding=True, conv_filters=0,
                                          pool_size=2)))
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = ["".join(every[i:i + 997]) for i in range(0, len(every), 997)]
    # and the final sigma in its contexts (ignorable marks, words, ends)
    texts += ["Σ", "AΣ", "AΣB", "AΣ.", "A\u0345Σ", "A'Σ'", "ΑΣ\u0301Α", "ΣΑΣ ΣΑΣ",
              "ΟΔΥΣΣΕΥΣ", "1Σ", "A\U000e0020Σ", "İΣ", "ǅΣ"]
    got = [t.decode("utf-8") for t in reader._lowercase(tf.constant(texts)).numpy()]
    assert got == [t.lower() for t in texts]


def test_exported_saved_model_runs_on_tensorflow_alone(small_pipeline, tmp_path):
    pipe, X = small_pipeline
    out = tmp_path / "served"
    assert export_saved_model(pipe, out) <= 1e-6
    checked = list(serving.CHECK_TEXTS) + list(X)
    # a fresh interpreter in which skseq, scikit-learn and scikeras cannot
    # be imported at all
    code = """
import json, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("skseq", "sklearn", "scikeras"):
            raise ImportError(f"{name} is not available here")
sys.meta_path.insert(0, Refuse())
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
out = model.signatures["serving_default"](texts=tf.constant(json.load(sys.stdin)))
assert not {m.split(".")[0] for m in sys.modules} & {"skseq", "sklearn", "scikeras"}
print(json.dumps({"probabilities": out["probabilities"].numpy().tolist(),
                  "label": out["label"].numpy().tolist()}))
"""
    result = subprocess.run([sys.executable, "-c", code, str(out)], env=ENV,
                            input=json.dumps(checked), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout)
    assert max_difference(got["probabilities"], pipe.predict_proba(checked)) <= 1e-6
    assert got["label"] == pipe.predict(checked).tolist()


def test_saved_model_signature_and_outputs(texts, tmp_path):
    X, y, checked = texts
    labels = np.array(["neg", "pos"])[y]
    pipe = fitted(X, labels)
    export_saved_model(pipe, tmp_path / "m")
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    assert set(loaded.signatures) == {"serving_default", "serve"}
    serve = loaded.signatures["serving_default"]
    assert list(serve.structured_input_signature[1]) == ["texts"]
    out = serve(texts=tf.constant(checked))
    assert max_difference(out["probabilities"], pipe.predict_proba(checked)) <= 1e-6
    assert [s.decode() for s in out["label"].numpy()] == pipe.predict(checked).tolist()
    assert out["probabilities"].shape == (len(checked), 2)
    assert serve(texts=tf.constant([], tf.string))["probabilities"].shape == (0, 2)
    # Keras' own spelling writes the same model
    to_keras(pipe).export(tmp_path / "k")
    again = tf.saved_model.load(str(tmp_path / "k")).signatures["serving_default"]
    assert max_difference(again(texts=tf.constant(checked))["probabilities"],
                          out["probabilities"]) == 0


def test_export_is_atomic_and_refuses_a_full_directory(small_pipeline, tmp_path,
                                                       monkeypatch):
    pipe, X = small_pipeline
    out = tmp_path / "served"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        export_saved_model(pipe, out)
    assert os.listdir(out) == ["keep.txt"]
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError, match="not a directory"):
        export_saved_model(pipe, tmp_path / "file", overwrite=True)
    # a failure after writing leaves the old directory whole and no staging
    monkeypatch.setattr(serving, "_check_saved_model", lambda *a: 1.0)
    with pytest.raises(RuntimeError, match="differs from the pipeline"):
        export_saved_model(pipe, out, overwrite=True)
    assert os.listdir(out) == ["keep.txt"]
    assert sorted(os.listdir(tmp_path)) == ["file", "served"]
    monkeypatch.undo()
    export_saved_model(pipe, out, overwrite=True)
    assert "saved_model.pb" in os.listdir(out) and "keep.txt" not in os.listdir(out)
    assert sorted(os.listdir(tmp_path)) == ["file", "served"]


def test_cli_export(small_file, small_pipeline, tmp_path):
    pipe, X = small_pipeline

    def run(*args):
        return subprocess.run([sys.executable, "-m", "skseq", "export", *map(str, args)],
                              capture_output=True, text=True, timeout=600, env=ENV)

    out = tmp_path / "served"
    result = run(small_file, out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wrote" in result.stdout and (out / "saved_model.pb").is_file()
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    assert max_difference(serve(texts=tf.constant(X))["probabilities"],
                          pipe.predict_proba(X)) <= 1e-6
    before = sorted(os.listdir(out))
    refused = run(small_file, out)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr and sorted(os.listdir(out)) == before
    assert run(small_file, out, "--force").returncode == 0
    bad = tmp_path / "bad.skseq"
    bad.write_bytes(b"not a model")
    failed = run(bad, tmp_path / "other")
    assert failed.returncode == 2 and "cannot load model" in failed.stderr
    assert not (tmp_path / "other").exists()
    joblib_model = tmp_path / "model.joblib"
    import joblib

    joblib.dump(pipe, joblib_model)
    assert run(joblib_model, tmp_path / "from_joblib").returncode == 0


def test_cli_refuses_what_cannot_be_exported(rt_texts, tmp_path):
    X, y = rt_texts
    pipe = fitted(X[:100], y[:100], sequencer=IntegerSequencer(normalization="NFKC"))
    save(pipe, tmp_path / "nfkc.skseq")
    result = subprocess.run([sys.executable, "-m", "skseq", "export",
                             str(tmp_path / "nfkc.skseq"), str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=600, env=ENV)
    assert result.returncode == 2 and "normalization='NFKC'" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def _split_words(text):
    return text.split()


@pytest.mark.parametrize("sequencer, message", [
    (IntegerSequencer(tokenizer=_split_words), "tokenizer=<callable>"),
    (IntegerSequencer(normalization="NFC"), "normalization='NFC'"),
    (IntegerSequencer(token_pattern=r"[a-z]+"), "token_pattern='\\[a-z\\]\\+'"),
])
def test_settings_that_cannot_be_exact_are_refused(rt_texts, sequencer, message):
    X, y = rt_texts
    pipe = fitted(X[:100], y[:100], sequencer=sequencer)
    with pytest.raises(ValueError, match=message):
        to_keras(pipe)


def test_named_segmenters_are_refused(rt_texts):
    pytest.importorskip("jieba")
    X, y = rt_texts
    pipe = fitted(X[:60], y[:60], sequencer=IntegerSequencer(tokenizer="jieba"))
    with pytest.raises(ValueError, match="tokenizer='jieba'"):
        to_keras(pipe)


def test_other_pipelines_and_inputs_are_refused(small_pipeline, rt_texts):
    pipe, X = small_pipeline
    with pytest.raises(ValueError, match="fitted sklearn Pipeline"):
        to_keras(pipe[-1])
    with pytest.raises(ValueError, match="IntegerSequencer, Padder and a skseq"):
        to_keras(make_pipeline(pipe[0], pipe[-1]))
    with pytest.raises(NotFittedError):
        to_keras(make_pipeline(IntegerSequencer(), Padder(),
                               LSTMSequenceClassifier(**TINY)))
    Xr, yr = rt_texts
    odd = fitted(Xr[:100], yr[:100], padder=Padder(maxlen=20, value=3))
    with pytest.raises(ValueError, match="value=3"):
        to_keras(odd)
    served = to_keras(pipe)
    with pytest.raises(TypeError, match="Text 1 is a NoneType"):
        served(["fine", None])
    with pytest.raises(TypeError, match="one str"):
        served("one text")
    with pytest.raises(ValueError, match="lone surrogate"):
        served(["ok", "bad \ud800"])


def test_served_model_is_a_snapshot(rt_texts):
    X, y = rt_texts
    pipe = fitted(X[:100], y[:100])
    served = to_keras(pipe)
    before = served(X[:20]).numpy()
    pipe.fit(X[100:200], y[100:200])  # refitting the pipeline changes nothing served
    assert np.array_equal(served(X[:20]).numpy(), before)
    assert served.predict(np.array(X[:20], dtype=object), verbose=0).shape == (20, 2)
