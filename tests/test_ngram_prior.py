"""The n-gram head's naive Bayes prior (``ngram_prior='log_count_ratio'``)."""

import io

import numpy as np
import pytest

from skseq import (
    LogCountRatioTransformer,
    LSTMSequenceClassifier,
    LSTMSequenceRegressor,
    load,
    save,
)
from skseq._ngram_prior import ngram_log_count_ratios
from skseq.experiments import SEED_ARCHITECTURE

# the small architecture, with the head and its prior switched on
TINY = dict(SEED_ARCHITECTURE, embedding_dim=8, units=8, batch_size=32, epochs=2,
            linear_ngrams=2, ngram_buckets=4096, random_state=0)


def test_word_ratios_are_log_count_transformer_s(rt_post_padded):
    X, y = rt_post_padded
    (words,) = ngram_log_count_ratios(X, y[:, None], None, vocab_size=1000, order=1,
                                      buckets=1)
    counts = np.zeros((len(X), 1000))
    for row, ids in enumerate(X):
        counts[row, ids[ids > 0]] += 1  # any count: the transformer binarises
    expected = LogCountRatioTransformer().fit(counts, y).log_count_ratio_
    np.testing.assert_allclose(words[:, 0], expected, rtol=1e-5, atol=1e-6)


def test_pair_and_triple_rows_are_counted_once_per_sequence():
    X = np.array([[3, 4, 3, 4, 0], [3, 4, 5, 0, 0], [0, 0, 5, 5, 5]])
    V, B = 7, 11
    Y = np.array([[1.0], [0.0], [0.0]])
    _, hashed = ngram_log_count_ratios(X, Y, None, vocab_size=V, order=3, buckets=B)
    pair, triple = (3 * V + 4) % B, ((((3 * V + 4) % B) * V + 3) % B)
    # the pair (3, 4): once in the positive row (twice there), once in a negative
    p, q = np.ones(B), np.ones(B)
    for row, positive in zip(X, Y[:, 0], strict=True):
        seen = set()
        for a, b in zip(row[:-1], row[1:], strict=True):
            if a and b:
                seen.add((a * V + b) % B)
        for a, b, c in zip(row[:-2], row[1:-1], row[2:], strict=True):
            if a and b and c:
                seen.add((((a * V + b) % B) * V + c) % B)
        for column in seen:
            (p if positive else q)[column] += 1
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    np.testing.assert_allclose(hashed[:, 0], expected, rtol=1e-5)
    assert p[pair] == 2 and q[pair] == 2 and p[triple] == 2


def test_runs_up_to_five_are_counted_as_the_layer_hashes_them():
    X = np.array([[0, 3, 4, 3, 4, 5, 6], [3, 4, 3, 4, 0, 0, 0], [6, 5, 4, 3, 2, 1, 0]])
    V, B, order = 7, 29, 5
    Y = np.array([[1.0], [0.0], [1.0]])
    _, hashed = ngram_log_count_ratios(X, Y, None, vocab_size=V, order=order, buckets=B)
    p, q = np.ones(B), np.ones(B)
    for row, positive in zip(X, Y[:, 0], strict=True):
        tokens, seen = [t for t in row if t], set()
        for n in range(2, order + 1):
            for start in range(len(tokens) - n + 1):
                bucket = tokens[start]
                for token in tokens[start + 1:start + n]:
                    bucket = (bucket * V + token) % B
                seen.add(bucket)
        for column in seen:
            (p if positive else q)[column] += 1
    np.testing.assert_allclose(hashed[:, 0], np.log(p / p.sum()) - np.log(q / q.sum()),
                               rtol=1e-5)


def test_weights_count_as_repeated_rows():
    X = np.array([[2, 3, 0], [3, 4, 0], [2, 2, 4]])
    Y = np.array([[1.0], [0.0], [1.0]])
    weighted = ngram_log_count_ratios(X, Y, np.array([2.0, 1.0, 1.0]), vocab_size=5,
                                      order=2, buckets=13)
    repeated = ngram_log_count_ratios(X[[0, 0, 1, 2]], Y[[0, 0, 1, 2]], None,
                                      vocab_size=5, order=2, buckets=13)
    for a, b in zip(weighted, repeated, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_the_fit_sets_the_prior_and_files_keep_it(rt_post_padded, target):
    X, y = rt_post_padded
    X, y = X[:300], y[:300]
    if target == "multiclass":
        y = np.where(X[:, 0] % 3 == 0, 2, y)
    elif target == "multilabel":
        y = np.c_[y, X[:, 0] % 2]
    clf = LSTMSequenceClassifier(**TINY).fit(X, y)
    layer = clf.model_.get_layer("linear_ngrams")
    prior = layer.unigram_prior.numpy()
    columns = {"binary": 1, "multiclass": 3, "multilabel": 2}[target]
    assert prior.shape == (clf.vocab_size_, columns)
    assert not np.allclose(prior, 1.0)  # set from the data, not left at ones
    assert not layer.unigram_prior.trainable
    # the classifier without a prior is a different model
    plain = LSTMSequenceClassifier(**{**TINY, "ngram_prior": None}).fit(X, y)
    assert plain.model_.count_params() < clf.model_.count_params()
    buffer = io.BytesIO()
    save(clf, buffer)
    buffer.seek(0)
    loaded = load(buffer)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(
        loaded.model_.get_layer("linear_ngrams").unigram_prior.numpy(), prior)


def test_the_prior_comes_from_the_training_rows_only(rt_post_padded):
    X, y = rt_post_padded
    X, y = X[:300], y[:300]
    # explicit validation data: the prior is the training rows' own
    clf = LSTMSequenceClassifier(**{**TINY, "early_stopping": True}).fit(
        X[:200], y[:200], validation_data=(X[200:], y[200:]))
    words, _ = ngram_log_count_ratios(X[:200], y[:200, None], None,
                                      vocab_size=clf.vocab_size_, order=2, buckets=4096)
    np.testing.assert_allclose(
        clf.model_.get_layer("linear_ngrams").unigram_prior.numpy(), words, rtol=1e-6)
    # a continuation keeps the prior of the fit that built the model
    before = clf.model_.get_layer("linear_ngrams").unigram_prior.numpy().copy()
    clf.partial_fit(X[200:], y[200:])
    np.testing.assert_array_equal(
        clf.model_.get_layer("linear_ngrams").unigram_prior.numpy(), before)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_padding_never_changes_a_prediction(rt_post_padded, order):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(**{**TINY, "linear_ngrams": order, "pooling": "max_mean",
                                    "conv_filters": 4}).fit(X[:300], y[:300])
    wider = np.zeros((len(X), 50), X.dtype)
    wider[:, 20:] = X  # pre-padded, and wider
    np.testing.assert_array_equal(clf.predict_proba(wider), clf.predict_proba(X))


def test_the_regressor_refuses_the_prior_by_name(rt_post_padded):
    X, y = rt_post_padded
    assert LSTMSequenceRegressor().ngram_prior is None
    with pytest.raises(ValueError, match="needs class labels.*ngram_prior=None"):
        LSTMSequenceRegressor(**{**TINY, "ngram_prior": "log_count_ratio"}).fit(
            X[:100], y[:100].astype(float))
    with pytest.raises(ValueError, match="'ngram_prior' parameter"):
        LSTMSequenceClassifier(**{**TINY, "ngram_prior": "nb"}).fit(X[:100], y[:100])
