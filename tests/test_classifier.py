import pickle
import random
import subprocess
import sys
import textwrap
import threading

import joblib
import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder, TrainingDivergedError
from skseq._fixes import is_op_determinism_enabled
from skseq.datasets import load_imdb, load_rotten_tomatoes
from skseq.experiments import SEED_ARCHITECTURE

TINY = dict(SEED_ARCHITECTURE, embedding_dim=8, units=8, epochs=2, batch_size=32)


def tiny_pipeline(maxlen=30, num_words=1000, **params):
    return make_pipeline(
        IntegerSequencer(num_words=num_words), Padder(maxlen=maxlen),
        LSTMSequenceClassifier(**{**TINY, **params}),
    )


@pytest.fixture(scope="module")
def rt_padded(rt_texts):
    X, y = rt_texts
    ids = Padder(maxlen=30).fit_transform(IntegerSequencer(num_words=1000).fit_transform(X))
    return ids, y


@pytest.fixture(scope="module")
def fitted_pipeline(rt_texts):
    X, y = rt_texts
    return tiny_pipeline(random_state=0, epochs=3).fit(X[:500], y[:500])


def test_is_a_real_classifier():
    clf = LSTMSequenceClassifier()
    assert is_classifier(clf)
    tags = get_tags(clf)
    assert tags.estimator_type == "classifier"
    assert tags.input_tags.two_d_array and not tags.input_tags.string
    assert is_classifier(make_pipeline(Padder(), clf))


@pytest.mark.parametrize(
    "num_words, maxlen, params, expected",
    [
        (500, 200, dict(units=32), 24_353),  # R book models 1-2
        (500, 200, dict(units=32, n_layers=2), 32_673),  # R book model 3
        (500, 200, dict(units=32, bidirectional=True), 32_705),  # R book model 4
        (5000, 500, dict(units=100), 213_301),  # blog models 1-3
        (5000, 500, dict(units=100, dropout=0.2), 213_301),
        (5000, 500, dict(units=100, recurrent_dropout=0.2), 213_301),
        (5000, 500, dict(units=100, conv_filters=32), 216_405),  # blog model 4
    ],
)
def test_seed_parameter_counts(num_words, maxlen, params, expected):
    texts, labels = load_rotten_tomatoes(return_X_y=True)
    seq = IntegerSequencer(num_words=num_words).fit(texts)
    padder = Padder(maxlen=maxlen)
    idx = np.r_[0:16, 8000:8016]  # both classes
    ids = padder.fit_transform(seq.transform([texts[i] for i in idx]))
    # the vocabulary is the sequencer's: num_words ids exactly
    clf = LSTMSequenceClassifier(embedding_dim=32, epochs=1, vocab_size=seq.vocab_size_,
                                 **{**SEED_ARCHITECTURE, **params}).fit(ids, labels[idx])
    assert seq.vocab_size_ == num_words
    assert clf.model_.count_params() == expected


def test_vocab_size_inferred_from_data(rt_padded):
    X, y = rt_padded
    clf = LSTMSequenceClassifier(**TINY).fit(X, y)
    assert clf.vocab_size_ == X.max() + 1
    assert clf.model_.get_layer("embedding").input_dim == clf.vocab_size_


def test_learns_real_text_and_predicts_labels(rt_texts):
    X, y = rt_texts
    labels = np.where(y == 1, "pos", "neg")
    pipe = tiny_pipeline(random_state=0, epochs=6, units=16).fit(X[:500], labels[:500])
    clf = pipe[-1]
    assert clf.classes_.tolist() == ["neg", "pos"]
    pred = pipe.predict(X[500:])
    assert set(pred) <= {"neg", "pos"}
    proba = pipe.predict_proba(X[500:])
    assert proba.shape == (100, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    # learned something: well above chance on the training texts
    assert pipe.score(X[:500], labels[:500]) > 0.75


def test_multiclass_softmax():
    rt, rt_y = load_rotten_tomatoes(return_X_y=True)
    imdb, _ = load_imdb("train", return_X_y=True)
    texts = rt[:150] + rt[-150:] + [t[:300] for t in imdb[:150]]
    labels = np.array(["rt-neg"] * 150 + ["rt-pos"] * 150 + ["imdb"] * 150)
    pipe = tiny_pipeline(maxlen=60, random_state=0, epochs=4).fit(texts, labels)
    clf = pipe[-1]
    assert clf.n_classes_ == 3
    assert clf.model_.output_shape == (None, 3)
    assert clf.model_.loss == "sparse_categorical_crossentropy"
    proba = pipe.predict_proba(texts[:10])
    assert proba.shape == (10, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(pipe.predict(texts)) <= set(labels)
    assert pipe.score(texts, labels) > 0.6  # IMDB vs RT is learnable


def test_history_and_stratified_shuffled_validation_fraction(rt_padded):
    X, y = rt_padded
    order = np.argsort(y, kind="stable")  # sorted by label, like raw IMDB files
    X, y = X[order], y[order]
    clf = LSTMSequenceClassifier(validation_fraction=0.2, random_state=0, **TINY).fit(X, y)
    assert set(clf.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 2 for v in clf.history_.values())
    encoded = y.reshape(-1, 1).astype("float32")
    target = {"classes": np.array([0, 1]), "multilabel": False}
    _, (X_val, y_val) = clf._split_validation(X, encoded, None, 0.2, 0, target)
    assert len(y_val) == 120
    assert abs(y_val.mean() - 0.5) < 0.02  # both classes, not the last 20%


def test_explicit_validation_data_and_early_stopping(rt_padded):
    X, y = rt_padded
    stop = keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    clf = LSTMSequenceClassifier(callbacks=[stop], random_state=0,
                                 **{**TINY, "epochs": 30})
    clf.fit(X[:400], y[:400], validation_data=(X[400:], y[400:]))
    assert 2 <= len(clf.history_["val_loss"]) < 30


def test_reproducible_with_random_state_and_scoped(rt_padded):
    X, y = rt_padded
    state = random.getstate()
    params = dict(TINY, dropout=0.2, recurrent_dropout=0.2, random_state=42)
    a = LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)
    b = LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)
    c = LSTMSequenceClassifier(**{**params, "random_state": 7}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # nothing global left changed: random state restored, determinism off,
    # and an unseeded fit with dropout still works
    assert random.getstate() == state
    assert not is_op_determinism_enabled()
    LSTMSequenceClassifier(**{**params, "random_state": None}).fit(X, y)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam", "sgd"])
@pytest.mark.parametrize("layer_type", ["lstm", "gru"])
def test_bit_identical_refits(rt_padded, optimizer, layer_type):
    X, y = rt_padded
    params = dict(TINY, optimizer=optimizer, layer_type=layer_type, random_state=3)
    a = LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)
    b = LSTMSequenceClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_architectures_build_and_train(rt_padded):
    X, y = rt_padded
    for params in [
        dict(layer_type="gru", bidirectional=True),
        dict(layer_type="simple_rnn", n_layers=2),
        dict(conv_filters=8, pool_size=2, dropout=0.1),
        dict(mask_padding=True, conv_filters=4),
    ]:
        clf = LSTMSequenceClassifier(**{**TINY, "epochs": 1, **params}).fit(X, y)
        assert clf.predict_proba(X[:3]).shape == (3, 2)


def test_optimizer_routing_and_instances(rt_padded):
    X, y = rt_padded
    clf = LSTMSequenceClassifier(optimizer="sgd", optimizer__learning_rate=0.123, **TINY)
    assert clone(clf).get_params()["optimizer__learning_rate"] == 0.123
    clf.fit(X, y)
    rate = keras.ops.convert_to_numpy(clf.model_.optimizer.learning_rate)
    assert np.isclose(float(rate), 0.123)
    shared = keras.optimizers.Adam(learning_rate=0.01)
    one = LSTMSequenceClassifier(optimizer=shared, **TINY).fit(X, y)
    assert one.model_.optimizer is not shared  # copied, never trained in place
    assert int(keras.ops.convert_to_numpy(shared.iterations)) == 0
    clf.set_params(optimizer__learning_rate=0.5)
    assert clf.get_params()["optimizer__learning_rate"] == 0.5


def test_oov_ids_at_predict_map_to_one(fitted_pipeline):
    clf = fitted_pipeline[-1]
    X = np.full((2, 30), 5, dtype=np.int64)  # int64 after int32 at fit is fine
    huge = X.copy()
    huge[:, -3:] = [clf.vocab_size_, 10**6, 2**31 - 1]
    oov = X.copy()
    oov[:, -3:] = 1
    np.testing.assert_array_equal(clf.predict_proba(huge), clf.predict_proba(oov))


def test_small_and_batch_prediction_identical(fitted_pipeline, rt_texts):
    X, _ = rt_texts
    batch = fitted_pipeline.predict_proba(X[:70])
    singles = np.vstack([fitted_pipeline.predict_proba([x]) for x in X[:70:7]])
    np.testing.assert_array_equal(batch[::7], singles)
    reversed_ = fitted_pipeline.predict_proba(X[:70][::-1])[::-1]
    np.testing.assert_array_equal(batch, reversed_)


def test_pickle_and_refit_forgets(fitted_pipeline, rt_texts):
    X, y = rt_texts
    restored = pickle.loads(pickle.dumps(fitted_pipeline))
    np.testing.assert_array_equal(restored.predict_proba(X[:50]),
                                  fitted_pipeline.predict_proba(X[:50]))
    clf = clone(fitted_pipeline[-1]).set_params(validation_fraction=0.25)
    ids = fitted_pipeline[:-1].transform(X)
    clf.fit(ids, y)
    assert "val_loss" in clf.history_
    clf.set_params(validation_fraction=None).fit(ids, y)
    assert "val_loss" not in clf.history_


def test_joblib_round_trip_in_fresh_process(fitted_pipeline, rt_texts, tmp_path):
    X, _ = rt_texts
    path = tmp_path / "model.joblib"
    joblib.dump(fitted_pipeline, path)
    expected = fitted_pipeline.predict_proba(X[:40])
    np.save(tmp_path / "expected.npy", expected)
    script = textwrap.dedent(f"""
        import joblib, numpy as np
        from skseq.datasets import load_rotten_tomatoes
        pipe = joblib.load({str(path)!r})
        texts = {X[:40]!r}
        got = pipe.predict_proba(texts)
        np.testing.assert_array_equal(got, np.load({str(tmp_path / "expected.npy")!r}))
        print("OK", pipe[-1].classes_.tolist())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OK [0, 1]" in result.stdout


def test_warm_start_and_partial_fit(rt_padded):
    X, y = rt_padded
    clf = LSTMSequenceClassifier(warm_start=True, **TINY).fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model and len(clf.history_["loss"]) == 4
    inc = LSTMSequenceClassifier(**TINY)
    inc.partial_fit(X[y == 0][:50], y[y == 0][:50], classes=[0, 1])
    inc.partial_fit(X, y)
    assert inc.classes_.tolist() == [0, 1] and len(inc.history_["loss"]) == 2


def test_class_weight_balanced(rt_padded):
    X, y = rt_padded
    keep = np.r_[np.flatnonzero(y == 0)[:60], np.flatnonzero(y == 1)]
    clf = LSTMSequenceClassifier(class_weight="balanced", random_state=0, **TINY)
    clf.fit(X[keep], y[keep])
    assert clf.predict_proba(X).shape[1] == 2


def test_divergence_raises_and_leaves_unfitted(rt_padded):
    X, y = rt_padded
    clf = LSTMSequenceClassifier(random_state=0, **TINY)
    # float32 overflows: the loss becomes infinite in the first batch
    with pytest.raises(TrainingDivergedError, match="NaN or infinite.*learning rate"):
        clf.fit(X, y, sample_weight=np.full(len(y), 1e38))
    with pytest.raises(NotFittedError):
        clf.predict(X)


class _Interrupt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise KeyboardInterrupt


def test_keyboard_interrupt_leaves_unfitted(rt_padded):
    X, y = rt_padded
    clf = LSTMSequenceClassifier(callbacks=[_Interrupt()], **TINY)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict_proba(X)
    assert not hasattr(clf, "model_")


def test_concurrent_predict_matches_serial(fitted_pipeline, rt_texts):
    X, _ = rt_texts
    chunks = [X[i:i + 40] for i in range(0, 200, 40)]
    serial = [fitted_pipeline.predict_proba(c) for c in chunks]
    results = [None] * len(chunks)

    def work(i):
        results[i] = fitted_pipeline.predict_proba(chunks[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(chunks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(serial, results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        LSTMSequenceClassifier().predict(np.ones((2, 3), dtype=int))


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        (["some text", "more text"], [0, 1], TypeError, "IntegerSequencer and Padder"),
        (np.array([[1, 2], [3, -1]]), [0, 1], ValueError, "negative token ids"),
        (np.array([[1.0, np.nan], [3, 1]]), [0, 1], ValueError, "NaN"),
        (np.array([[1.5, 2], [3, 1]]), [0, 1], ValueError, "non-integer"),
        (np.array([[True, False], [True, True]]), [0, 1], TypeError, "boolean"),
        (np.array([1, 2, 3]), [0, 1, 0], ValueError, "Reshape your data"),
        (np.ones((2, 3, 4, 5), dtype=int), [0, 1], ValueError, "4-D"),  # 3-D: steps
        (np.ones((0, 3), dtype=int), [], ValueError, "y is empty"),
        (np.ones((3, 3), dtype=int), [0, 1], ValueError, "inconsistent numbers"),
        (np.ones((2, 3), dtype=int), [1, 1], ValueError, "only one class"),
        (np.ones((2, 3), dtype=int), [0.0, np.nan], ValueError, "NaN"),
        (np.ones((2, 3), dtype=int), ["a", None], ValueError, "missing labels"),
        (np.ones((2, 3), dtype=int), [0.5, 1.7], ValueError, "Unknown label type"),
        (np.array([[1, 2**40], [3, 1]]), [0, 1], ValueError, "too large"),
        (np.array([[1, 2], [3, "a"]], dtype=object), [0, 1], TypeError, "dtype object"),
        (np.array([[1, 2], [3, None]], dtype=object), [0, 1], ValueError, "NaN"),
    ],
)
def test_bad_input_is_named(X, y, error, match):
    with pytest.raises(error, match=match):
        LSTMSequenceClassifier(**TINY).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"layer_type": "transformer"}, r"'layer_type' parameter .* among \{.*'gru'.*\}"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"recurrent_dropout": -0.1}, "'recurrent_dropout' parameter"),
        ({"units": 0}, "'units' parameter"),
        ({"epochs": 0}, "'epochs' parameter"),
        ({"batch_size": -5}, "'batch_size' parameter"),
        ({"n_layers": 0}, "'n_layers' parameter"),
        ({"optimizer": "adamm"}, "names no Keras optimizer"),
        ({"compile__foo": 1}, "Unknown routed parameter 'compile__foo'"),
        ({"vocab_size": 3}, "vocab_size=3"),
    ],
)
def test_bad_hyperparameters_fail_at_fit(rt_padded, params, match):
    X, y = rt_padded
    clf = LSTMSequenceClassifier(**{**TINY, **params})  # no error here
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_clone_round_trip_of_every_parameter():
    clf = LSTMSequenceClassifier(units=7, layer_type="gru", optimizer__learning_rate=0.1)
    params = clf.get_params()
    assert clone(clf).get_params() == params
    assert "routed_params" not in params and "model" not in params


def test_hostile_documents_end_to_end(rt_texts):
    X, y = rt_texts
    odd = ["", "   \t\n", "😀🎬🍿 ★★★★★", "Привет, отличный фильм", "映画はすばらしい",
           "ctrl\x00chars\x07here", b"bytes review, fine".decode(), "word " * 1_000_000]
    texts = list(X[:200]) + odd
    labels = np.r_[y[:200], [0, 1] * 4]
    pipe = tiny_pipeline(maxlen=40, random_state=0, epochs=1).fit(texts, labels)
    proba = pipe.predict_proba(odd + [b"raw bytes"])
    assert proba.shape == (9, 2) and np.isfinite(proba).all()
    with pytest.raises(ValueError, match="Document 1 is missing"):
        pipe.predict_proba(["fine", None])
