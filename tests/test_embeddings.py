"""Word vectors: reading the formats, alignment to ids, the classifier's use."""

import gzip
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder, load, save
from skseq.embeddings import cooccurrence_vectors, load_word_vectors
from skseq.experiments import SEED_ARCHITECTURE


@pytest.fixture(scope="module")
def fitted(rt_texts):
    X, y = rt_texts
    sequencer = IntegerSequencer(num_words=500).fit(X)
    return sequencer, X, y


@pytest.fixture(scope="module")
def vectors(fitted):
    # vectors for most of the vocabulary plus words it lacks, as a real file has
    sequencer, _, _ = fitted
    rng = np.random.RandomState(0)
    words = sorted(sequencer.vocabulary_)[::3] + ["zzzunseen", "qqqnever"]
    return {w: rng.normal(size=6).astype(np.float32) for w in words}


def _write(path, vectors, header=False, opener=open):
    with opener(path, "wt", encoding="utf-8") as f:
        if header:
            f.write(f"{len(vectors)} 6\n")
        for word, vector in vectors.items():
            f.write(word + " " + " ".join(repr(float(v)) for v in vector) + "\n")
    return path


def test_rows_are_the_words_vectors(fitted, vectors, tmp_path):
    sequencer, _, _ = fitted
    sources = [vectors, _write(tmp_path / "glove.txt", vectors),
               _write(tmp_path / "w2v.txt", vectors, header=True),
               _write(tmp_path / "glove.txt.gz", vectors, opener=gzip.open)]
    results = [load_word_vectors(s, sequencer, random_state=0) for s in sources]
    in_vocab = [w for w in vectors if w in sequencer.vocabulary_]
    first = results[0]
    assert first.matrix.shape == (sequencer.vocab_size_, 6)
    assert first.matrix.dtype == np.float32 and first.dim == 6
    assert first.n_found == len(in_vocab) == int(first.found.sum())
    for word in in_vocab:
        np.testing.assert_array_equal(first.matrix[sequencer.vocabulary_[word]],
                                      vectors[word])
    np.testing.assert_array_equal(first.matrix[0], 0)  # padding
    np.testing.assert_allclose(first.matrix[1], first.matrix[first.found].mean(axis=0),
                               rtol=1e-6)  # out-of-vocabulary: the mean word
    for other in results[1:]:  # every format reads the same vectors
        np.testing.assert_array_equal(other.matrix, first.matrix)


def test_words_without_a_vector(fitted, vectors):
    sequencer, _, _ = fitted
    a = load_word_vectors(vectors, sequencer, random_state=0)
    b = load_word_vectors(vectors, sequencer, random_state=0)
    zeros = load_word_vectors(vectors, sequencer, missing="zeros")
    absent = ~a.found
    absent[:2] = False
    assert absent.any()
    np.testing.assert_array_equal(a.matrix, b.matrix)  # seeded
    np.testing.assert_array_equal(zeros.matrix[absent], 0)
    # random rows on the scale of the found ones
    assert 0.5 < a.matrix[absent].std() / a.matrix[a.found].std() < 1.5


@pytest.mark.parametrize("content, match", [
    ("", "empty file"),
    ("good 1.0 2.0\nbad 1.0\n", "line 2: 1 values.*ragged"),
    ("2 3\ngood 1.0 2.0\n", "line 2: 2 values.*header's dimension is 3"),
    ("good 1.0 x\n", "line 1: the vector of 'good' is not numbers"),
    ("zzzunseen 1.0 2.0\n", "None of the sequencer's"),
])
def test_bad_files_give_clear_errors(fitted, tmp_path, content, match):
    sequencer, _, _ = fitted
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_word_vectors(path, sequencer)


def test_bad_arguments(fitted, vectors):
    sequencer, _, _ = fitted
    with pytest.raises(NotFittedError):
        load_word_vectors(vectors, IntegerSequencer())
    with pytest.raises(ValueError, match="has 2 values; the first vector has 6"):
        load_word_vectors({**vectors, "good": [1.0, 2.0]}, sequencer)
    with pytest.raises(ValueError, match="missing must be one of"):
        load_word_vectors(vectors, sequencer, missing="mean")
    with pytest.raises(TypeError, match="path or a dict"):
        load_word_vectors(42, sequencer)


def _pipeline(sequencer, matrix, **params):
    return make_pipeline(
        clone(sequencer), Padder(maxlen=30, padding="post"),
        LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, **params},
                               embeddings=matrix, embedding_dim=matrix.shape[1], units=8,
                               epochs=2, random_state=0))


def test_the_embedding_starts_from_the_vectors(fitted, vectors):
    sequencer, X, y = fitted
    matrix = load_word_vectors(vectors, sequencer, random_state=0).matrix
    ids = Padder(maxlen=30).fit_transform(sequencer.transform(X))
    clf = LSTMSequenceClassifier(**SEED_ARCHITECTURE, embeddings=matrix, embedding_dim=6, units=8)
    clf.initialize(ids, y)  # built, not trained
    np.testing.assert_array_equal(clf.model_.get_layer("embedding").get_weights()[0],
                                  matrix)
    assert clf.vocab_size_ == sequencer.vocab_size_


def test_frozen_or_fine_tuned(fitted, vectors):
    sequencer, X, y = fitted
    matrix = load_word_vectors(vectors, sequencer, random_state=0).matrix
    frozen = _pipeline(sequencer, matrix, trainable_embeddings=False).fit(X, y)[-1]
    tuned = _pipeline(sequencer, matrix).fit(X, y)[-1]
    np.testing.assert_array_equal(frozen.model_.get_layer("embedding").get_weights()[0],
                                  matrix)
    assert not np.array_equal(tuned.model_.get_layer("embedding").get_weights()[0],
                              matrix)


def test_conflicts_are_clear_errors(fitted, vectors):
    sequencer, X, y = fitted
    matrix = load_word_vectors(vectors, sequencer, random_state=0).matrix
    ids = Padder(maxlen=30).fit_transform(sequencer.transform(X))
    cases = [
        (dict(embeddings=matrix), "vectors of size 6 but embedding_dim=32"),
        (dict(embeddings=matrix, embedding_dim=6, vocab_size=900),
         f"{len(matrix)} rows but vocab_size=900"),
        (dict(embeddings=matrix[:100], embedding_dim=6), "embeddings has 100 rows"),
        (dict(embeddings=np.where(np.arange(len(matrix))[:, None] == 7, np.nan, matrix),
              embedding_dim=6), r"NaN or infinity \(row 7\)"),
        (dict(embeddings=matrix[0], embedding_dim=6), "must be a matrix"),
    ]
    for params, match in cases:
        with pytest.raises(ValueError, match=match):
            LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, **params}, units=4, epochs=1).fit(ids, y)


def test_survives_clone_search_pickle_and_skseq(fitted, vectors, tmp_path):
    sequencer, X, y = fitted
    matrix = load_word_vectors(vectors, sequencer, random_state=0).matrix
    pipe = _pipeline(sequencer, matrix, trainable_embeddings=False)
    np.testing.assert_array_equal(clone(pipe)[-1].embeddings, matrix)
    search = GridSearchCV(pipe, {"lstmsequenceclassifier__trainable_embeddings":
                                 [False, True]}, cv=2).fit(X, y)
    fitted_pipe = search.best_estimator_.set_params(
        lstmsequenceclassifier__trainable_embeddings=False).fit(X, y)
    expected = fitted_pipe.predict_proba(X[:40])
    restored = pickle.loads(pickle.dumps(fitted_pipe))
    np.testing.assert_array_equal(restored.predict_proba(X[:40]), expected)
    save(fitted_pipe, tmp_path / "m.skseq")
    manifest_text = (tmp_path / "m.skseq").read_bytes()
    assert len(manifest_text) < 200_000  # the matrix is not repeated as JSON
    loaded = load(tmp_path / "m.skseq")
    np.testing.assert_array_equal(loaded.predict_proba(X[:40]), expected)
    clf = loaded[-1]
    np.testing.assert_array_equal(clf.embeddings, matrix)  # frozen: the vectors
    assert clf.trainable_embeddings is False
    assert not clf.model_.get_layer("embedding").trainable


def test_cooccurrence_vectors_learn_from_text(fitted):
    sequencer, X, y = fitted
    a = cooccurrence_vectors(sequencer, X, n_components=20, random_state=0)
    b = cooccurrence_vectors(sequencer, X, n_components=20, random_state=0)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (sequencer.vocab_size_, 20) and a.dtype == np.float32
    np.testing.assert_array_equal(a[:2], 0)
    norms = np.linalg.norm(a[2:], axis=1)
    assert np.allclose(norms[norms > 0], 0.5, rtol=1e-5) and (norms > 0).mean() > 0.9
    # meaning from co-occurrence: two words that share contexts far more
    # often than chance ("film" and "movie") are nearer than unrelated ones
    vocab = sequencer.vocabulary_
    cosine = a[vocab["film"]] @ a[vocab["movie"]] / 0.25
    assert cosine > np.median(a[2:] @ a[vocab["film"]] / 0.25)
    with pytest.raises(ValueError, match="n_components must be"):
        cooccurrence_vectors(sequencer, X, n_components=sequencer.vocab_size_)
    with pytest.raises(ValueError, match="window must be"):
        cooccurrence_vectors(sequencer, X, window=0)
