import keras
import numpy as np
import pytest
import tensorflow as tf

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq._batching import (
    BUCKET_STEP,
    bucket_width,
    left_align,
    make_dataset,
    training_batches,
)
from skseq.experiments import SEED_ARCHITECTURE


def test_left_align_keeps_token_order():
    X = np.array([[0, 0, 3, 4], [5, 6, 0, 0], [7, 8, 9, 1], [0, 0, 0, 0]])
    aligned, lengths = left_align(X)
    assert aligned.tolist() == [[3, 4, 0, 0], [5, 6, 0, 0], [7, 8, 9, 1], [0, 0, 0, 0]]
    assert lengths.tolist() == [2, 2, 4, 0]


def test_left_align_leaves_post_padded_rows_as_they_are():
    X = np.array([[3, 4, 0, 0], [5, 6, 7, 0], [0, 0, 0, 0]], np.int32)
    aligned, lengths = left_align(X)
    assert aligned is X  # no copy, no gather
    assert lengths.tolist() == [2, 3, 0]
    X[0, 0], X[0, 2] = 0, 9  # one hole: moved again
    aligned, _ = left_align(X)
    assert aligned is not X and aligned[0].tolist() == [4, 9, 0, 0]


def test_left_align_matches_a_stable_sort_on_scattered_padding():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 4, (50, 30)).astype(np.int32)  # zeros anywhere
    aligned, lengths = left_align(X)
    expected = np.take_along_axis(X, np.argsort(X == 0, axis=1, kind="stable"), axis=1)
    np.testing.assert_array_equal(aligned, expected)
    np.testing.assert_array_equal(lengths, (X != 0).sum(axis=1))
    assert aligned.dtype == X.dtype


def test_bucket_width_grid():
    assert bucket_width(1, 500) == BUCKET_STEP
    assert bucket_width(BUCKET_STEP + 1, 500) == 2 * BUCKET_STEP
    assert bucket_width(499, 500) == 500  # never wider than the data
    assert bucket_width(0, 500) == BUCKET_STEP
    assert bucket_width(17, 500, multiple_of=3) % 3 == 0


def test_training_batches_cover_everything_once_and_group_lengths():
    rng = np.random.RandomState(0)
    lengths = rng.randint(1, 500, 5000)
    batches = training_batches(lengths, 64, np.random.RandomState(1))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(5000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    random_spread = np.mean([np.ptp(lengths[rng.permutation(5000)[:64]]) for _ in range(20)])
    assert spread < random_spread / 5  # similar lengths share a batch
    again = training_batches(lengths, 64, np.random.RandomState(1))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))
    other = training_batches(lengths, 64, np.random.RandomState(2))
    assert not all(np.array_equal(a, b) for a, b in zip(batches, other, strict=True))


def test_dataset_widths_are_bounded_and_epochs_reshuffle():
    rng = np.random.RandomState(0)
    lengths = rng.randint(1, 500, 2000)
    X = np.zeros((2000, 500), np.int32)
    for i, n in enumerate(lengths):
        X[i, :n] = 1
    ds = make_dataset(X, np.zeros(2000), None, lengths, 64, seed=0, shuffle=True)
    epoch1 = [(x.shape[1], tuple(x.numpy().sum(axis=1)[:3])) for x, _ in ds]
    epoch2 = [(x.shape[1], tuple(x.numpy().sum(axis=1)[:3])) for x, _ in ds]
    widths = {w for w, _ in epoch1}
    assert len(epoch1) == int(ds.cardinality()) == 32
    assert len(widths) <= 500 // BUCKET_STEP + 1
    assert all(w % BUCKET_STEP == 0 or w == 500 for w in widths)
    assert epoch1 != epoch2  # new batches every epoch


@pytest.fixture(scope="module")
def sequences(imdb_texts):
    X, y = imdb_texts
    seq = IntegerSequencer(num_words=800).fit(X)
    return seq.transform(X), y


@pytest.mark.parametrize("conv_filters", [0, 8])
def test_masked_model_is_padding_invariant(sequences, conv_filters):
    S, y = sequences
    clf = LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, "conv_filters": conv_filters},
                                 units=8, embedding_dim=8, epochs=1, mask_padding=True,
                                 random_state=0)
    clf.fit(Padder(maxlen=300).fit_transform(S), y)
    short = np.array([len(s) <= 150 for s in S])
    reference = clf.predict_proba(Padder(maxlen=150).fit_transform(S))[short]
    for padder in [Padder(maxlen=300), Padder(maxlen=600, padding="post"),
                   Padder(maxlen=151, padding="post")]:
        np.testing.assert_allclose(clf.predict_proba(padder.fit_transform(S))[short],
                                   reference, rtol=0, atol=1e-6)


def test_bucketed_and_unbucketed_prediction_identical_and_ordered(sequences):
    S, y = sequences
    X = Padder(maxlen=400).fit_transform(S)
    clf = LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, "conv_filters": 4},
                                 units=8, embedding_dim=8, epochs=1, mask_padding=True,
                                 pool_size=3, random_state=0).fit(X, y)
    bucketed = clf._predict_fn(X)
    # the same chunks at the full (left-aligned) width, no length sorting
    predictor = clf._predict_fn
    bounds = predictor.chunk_bounds(len(X))
    aligned, _ = left_align(X)
    aligned = np.pad(aligned, ((0, bounds[-1][1] - len(X)), (0, -X.shape[1] % 3)))
    plain = np.concatenate([predictor.fn(tf.constant(aligned[a:b])).numpy()
                            for a, b in bounds])[:len(X)]
    np.testing.assert_array_equal(bucketed, plain)
    perm = np.random.RandomState(0).permutation(len(X))
    np.testing.assert_array_equal(clf.predict_proba(X[perm]), clf.predict_proba(X)[perm])
    singles = np.vstack([clf.predict_proba(X[i:i + 1]) for i in range(0, 40, 8)])
    np.testing.assert_array_equal(singles, clf.predict_proba(X)[0:40:8])
    # one compiled prediction graph serves every width
    assert clf._predict_fn.fn.experimental_get_tracing_count() == 1


def test_masked_training_is_reproducible_and_learns(sequences):
    S, y = sequences
    X = Padder(maxlen=300).fit_transform(S)
    params = dict(SEED_ARCHITECTURE, units=8, embedding_dim=8, epochs=3, mask_padding=True,
                  random_state=1, validation_fraction=0.2)
    a = LSTMSequenceClassifier(**params).fit(X, y)
    b = LSTMSequenceClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert len(a.history_["val_loss"]) == 3
    assert a.history_["loss"][-1] < a.history_["loss"][0]


def _initialized_classifier(**settings):
    """A classifier holding a freshly built (untrained) model: the prediction
    path without the cost of training (rounding does not need trained weights)."""
    X = np.array([[59, 1], [2, 3], [4, 5]], np.int32)  # vocabulary of 60 ids
    y = [0, 1, 2] if settings.get("bidirectional") else [0, 1, 0]
    return LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, **settings},
                                  units=8, embedding_dim=8).initialize(X, y)


@pytest.mark.parametrize("layer_type", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("conv_filters", [0, 4])
@pytest.mark.parametrize("mask_padding", [False, True])
def test_a_rows_result_does_not_depend_on_the_rows_around_it(
        layer_type, bidirectional, n_layers, conv_filters, mask_padding):
    # Prediction runs 16- or 64-row chunks; a row's bits must be the same
    # whichever chunk size, chunk position and neighbours it gets.
    clf = _initialized_classifier(
        layer_type=layer_type, bidirectional=bidirectional, n_layers=n_layers,
        conv_filters=conv_filters, mask_padding=mask_padding,
        recurrent_dropout=0.2 if layer_type == "gru" and n_layers == 2 else 0.0)
    rng = np.random.RandomState(0)
    X = rng.randint(1, 60, size=(100, 40)).astype(np.int32)
    X[np.arange(40) < rng.randint(0, 40, size=(100, 1))] = 0  # pre-padded rows
    predict = clf._predict_fn
    full = predict(X)
    for k in (1, 15, 16, 17, 48, 49, 64, 65):
        np.testing.assert_array_equal(predict(X[:k]), full[:k], err_msg=f"first {k} rows")
    for i in (0, 33, 99):
        np.testing.assert_array_equal(predict(X[i:i + 1]), full[i:i + 1])
    order = rng.permutation(100)
    np.testing.assert_array_equal(predict(X[order]), full[order])


@pytest.mark.parametrize("pooling", ["max", "mean", "max_mean", "attention"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("conv_filters", [0, 4])
def test_every_pooling_is_padding_invariant_and_row_independent(
        pooling, bidirectional, conv_filters):
    # padding never enters a max, a mean or an attention weight: the same
    # result whatever the padding side, width and neighbouring rows (bit for
    # bit for max; a sum over more time steps may round differently, ~1e-8)
    clf = _initialized_classifier(pooling=pooling, bidirectional=bidirectional,
                                  conv_filters=conv_filters, mask_padding=True)
    rng = np.random.RandomState(0)
    lengths = rng.randint(0, 40, size=100)
    tokens = [rng.randint(2, 60, size=n) for n in lengths]
    post = Padder(maxlen=40, padding="post").fit_transform(tokens)
    full = clf.predict_proba(post)
    tolerance = 0 if pooling == "max" else 1e-6
    for padder in [Padder(maxlen=40), Padder(maxlen=97, padding="post"),
                   Padder(maxlen=64)]:
        np.testing.assert_allclose(clf.predict_proba(padder.fit_transform(tokens)),
                                   full, rtol=0, atol=tolerance, err_msg=repr(padder))
    for k in (1, 16, 17, 65):
        np.testing.assert_allclose(clf.predict_proba(post[:k]), full[:k],
                                   rtol=0, atol=tolerance)
    order = rng.permutation(100)
    np.testing.assert_allclose(clf.predict_proba(post[order]), full[order],
                               rtol=0, atol=tolerance)
    assert np.ptp(full[lengths > 0, 1]) > 0  # a real model: outputs differ by row


@pytest.mark.parametrize("linear_ngrams", [1, 2])
@pytest.mark.parametrize("pooling", ["last", "max_mean"])
@pytest.mark.parametrize("bidirectional", [False, True])  # (3 classes: softmax)
def test_linear_ngrams_are_padding_invariant_and_row_independent(
        linear_ngrams, pooling, bidirectional):
    # the n-gram part never reads padding (nor a pair with padding): the same
    # result whatever the padding side, width and neighbouring rows (a sum
    # over more steps may round differently)
    clf = _initialized_classifier(pooling=pooling, bidirectional=bidirectional,
                                  linear_ngrams=linear_ngrams, ngram_buckets=97)
    layer = clf.model_.get_layer("linear_ngrams")
    rng = np.random.RandomState(0)
    layer.set_weights([0.01 * rng.normal(size=w.shape).astype("float32")
                       for w in layer.get_weights()])  # untrained: zeros
    lengths = rng.randint(0, 40, size=100)
    tokens = [rng.randint(1, 60, size=n) for n in lengths]
    post = Padder(maxlen=40, padding="post").fit_transform(tokens)
    full = clf.predict_proba(post)
    for padder in [Padder(maxlen=40), Padder(maxlen=97, padding="post")]:
        np.testing.assert_allclose(clf.predict_proba(padder.fit_transform(tokens)),
                                   full, rtol=0, atol=1e-6, err_msg=repr(padder))
    for k in (1, 17):
        np.testing.assert_allclose(clf.predict_proba(post[:k]), full[:k], rtol=0, atol=1e-6)
    order = rng.permutation(100)
    np.testing.assert_allclose(clf.predict_proba(post[order]), full[order],
                               rtol=0, atol=1e-6)
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    assert np.abs(clf.predict_proba(post) - full).max() > 1e-3  # the part was read


def test_chunk_bounds():
    from skseq._predictor import _Predictor

    small, large = _Predictor(None, {}, True), _Predictor(None, {}, False)
    assert small.chunk_bounds(1) == [(0, 16)]
    assert small.chunk_bounds(48) == [(0, 16), (16, 32), (32, 48)]
    assert small.chunk_bounds(49) == [(0, 64)]
    assert small.chunk_bounds(100) == [(0, 64), (64, 80), (80, 96), (96, 112)]
    assert large.chunk_bounds(1) == [(0, 64)]
    assert large.chunk_bounds(100) == [(0, 64), (64, 128)]


class _CountTraces(keras.callbacks.Callback):
    """Counts how often Keras traces the training step (a Python call of
    ``train_step`` happens only while TensorFlow traces it). The estimator
    trains with copies of its callbacks: the count is kept on the class."""

    traces = 0

    def set_model(self, model):
        # before Keras makes its train function around model.train_step
        super().set_model(model)
        step = model.train_step

        def counted(data):
            _CountTraces.traces += 1
            return step(data)

        model.train_step = counted


@pytest.mark.parametrize("mask_padding", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_a_fit_traces_its_training_step_once(sequences, mask_padding, weighted):
    # Keras would build the optimizer's and the metrics' variables inside
    # the first trace, and TensorFlow then traces again (~1 s per fit)
    S, y = sequences
    X = Padder(maxlen=200).fit_transform(S)
    _CountTraces.traces = 0
    clf = LSTMSequenceClassifier(**SEED_ARCHITECTURE, units=8, embedding_dim=8, epochs=2,
                                 mask_padding=mask_padding, random_state=0,
                                 callbacks=[_CountTraces()])
    clf.fit(X, y, sample_weight=np.linspace(0.5, 1.5, len(y)) if weighted else None)
    assert _CountTraces.traces == 1
    assert clf.n_iter_ == 2
