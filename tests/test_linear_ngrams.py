"""The linear n-gram head (``linear_ngrams``): NgramLinear and the classifier."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone

from skseq import LSTMSequenceClassifier, load, save
from skseq._layers import NgramLinear
from skseq.experiments import SEED_ARCHITECTURE
from skseq.inspection import token_attributions

TINY = dict(SEED_ARCHITECTURE, embedding_dim=8, units=8, batch_size=32)


def _layer(order, vocab_size=10, buckets=7, n_outputs=2, seed=0):
    layer = NgramLinear(vocab_size, n_outputs, order=order, buckets=buckets, scale=3.0)
    layer.build((None, None))
    rng = np.random.RandomState(seed)
    layer.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in layer.get_weights()])
    return layer


@pytest.mark.parametrize("order", [1, 2, 3])
def test_layer_computes_the_documented_sum(order):
    layer = _layer(order)
    unigrams = layer.get_weights()[0]
    ids = np.array([[4, 5, 4, 0, 0], [0, 0, 9, 1, 2], [0, 0, 0, 0, 0]], np.int32)
    expected = np.zeros((3, 2))
    expected[0] = unigrams[[4, 5, 4]].sum(0)
    expected[1] = unigrams[[9, 1, 2]].sum(0)
    if order >= 2:
        bigrams = layer.get_weights()[1]
        # (a, b) -> (a * 10 + b) % 7; pairs with padding never count
        expected[0] += bigrams[45 % 7] + bigrams[54 % 7]
        expected[1] += bigrams[91 % 7] + bigrams[12 % 7]
    if order == 3:
        # (a, b, c) -> (row(a, b) * 10 + c) % 7, in the same table
        expected[0] += bigrams[((45 % 7) * 10 + 4) % 7]
        expected[1] += bigrams[((91 % 7) * 10 + 2) % 7]
    expected[:2] *= 3.0 / np.sqrt(3)
    np.testing.assert_allclose(layer(ids).numpy(), expected, rtol=1e-6, atol=1e-6)


def test_layer_config_round_trip_and_saving(tmp_path):
    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, NgramLinear(10, 2, order=2, buckets=7, scale=3.0)(inputs))
    layer = model.layers[-1]
    layer.set_weights(_layer(2).get_weights())
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    ids = np.array([[4, 5, 4, 0], [9, 1, 2, 3]], np.int32)
    np.testing.assert_array_equal(loaded(ids).numpy(), model(ids).numpy())
    assert loaded.layers[-1].get_config()["buckets"] == 7
    with pytest.raises(ValueError, match="order must be 1, 2, 3, 4 or 5"):
        NgramLinear(10, 2, order=6)


def _hashed_row(ngram, vocab_size, buckets):
    """The documented hash of an n-gram, written out: (row(prefix) * V + last) % B."""
    row = ngram[0]
    for token in ngram[1:]:
        row = (row * vocab_size + token) % buckets
    return row


@pytest.mark.parametrize("order", [4, 5])
def test_longer_orders_sum_every_run_in_the_hashed_table(order):
    layer = _layer(order, vocab_size=10, buckets=7)
    unigrams, hashed = layer.get_weights()[:2]
    ids = np.array([[0, 0, 4, 5, 4, 6, 7, 8], [3, 1, 2, 9, 0, 0, 0, 0]], np.int32)
    expected = np.zeros((2, 2))
    for row, sequence in enumerate(ids):
        tokens = [t for t in sequence if t]
        expected[row] = unigrams[tokens].sum(0)
        for n in range(2, order + 1):
            for start in range(len(tokens) - n + 1):
                expected[row] += hashed[_hashed_row(tokens[start:start + n], 10, 7)]
        expected[row] *= 3.0 / np.sqrt(len(tokens))
    np.testing.assert_allclose(layer(ids).numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def wide(rt_post_padded):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(ngram_buckets=4096, epochs=3,
                                 random_state=0, **{**TINY, "linear_ngrams": 2})
    return clf.fit(X[:450], y[:450])


def test_the_ngram_part_is_trained_and_used(wide, rt_post_padded):
    X, y = rt_post_padded
    assert wide.architecture_["linear_ngrams"] == 2
    layer = wide.model_.get_layer("linear_ngrams")
    unigrams, bigrams = layer.unigrams.numpy(), layer.bigrams.numpy()
    assert bigrams.shape == (4096, 1) and np.abs(unigrams).max() > 0
    # the default prior: fixed naive Bayes factors beside the weights
    assert layer.bigram_prior.shape == (4096, 1) and not layer.bigram_prior.trainable
    assert np.abs(bigrams).max() > 0
    proba = wide.predict_proba(X[450:])
    assert (wide.predict(X[:450]) == y[:450]).mean() > 0.85  # it learnt the training part
    # zeroing the n-gram weights changes the predictions: the head is read
    saved = layer.get_weights()
    layer.set_weights([np.zeros_like(w) for w in saved])
    try:
        assert np.abs(wide.predict_proba(X[450:]) - proba).max() > 0.01
    finally:
        layer.set_weights(saved)


def test_save_load_pickle_and_clone(wide, rt_post_padded, tmp_path):
    X, _ = rt_post_padded
    expected = wide.predict_proba(X)
    save(wide, tmp_path / "wide.skseq")
    loaded = load(tmp_path / "wide.skseq")
    assert loaded.architecture_ == wide.architecture_
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(wide)).predict_proba(X),
                                  expected)
    assert clone(wide).get_params()["ngram_buckets"] == 4096


def test_warm_start_refuses_a_changed_head(wide, rt_post_padded):
    X, y = rt_post_padded
    clf = clone(wide).set_params(epochs=1).fit(X[:100], y[:100])
    clf.set_params(warm_start=True, linear_ngrams=1)
    with pytest.raises(ValueError, match="linear_ngrams"):
        clf.fit(X[:100], y[:100])


def test_integrated_gradients_attribute_the_ngram_part(wide, rt_post_padded):
    X, _ = rt_post_padded
    deep = wide.model_.get_layer("recurrent_logits")
    saved = deep.get_weights()
    deep.set_weights([np.zeros_like(w) for w in saved])  # only the n-gram part left
    try:
        (result,) = token_attributions(wide, X[:1], method="integrated_gradients",
                                       steps=64)
    finally:
        deep.set_weights(saved)
    # the word vectors now carry nothing: every score comes from the n-gram
    # part, and together they account for the prediction
    assert np.abs(result.scores).max() > 1e-3
    assert abs(result.completeness_gap) < 1e-3
    assert abs(result.baseline_score - 0.5) < 1e-6  # no tokens, logit 0
    (both,) = token_attributions(wide, X[:1], method="integrated_gradients")
    assert abs(both.completeness_gap) < 0.05
