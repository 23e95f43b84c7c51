"""A fit that fails never loses or corrupts a model, and never trains garbage."""

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder, TrainingDivergedError
from skseq.experiments import SEED_ARCHITECTURE

TINY = dict(SEED_ARCHITECTURE, units=4, embedding_dim=4, epochs=1, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def data(rt_texts):
    X, y = rt_texts
    ids = Padder(maxlen=20).fit_transform(IntegerSequencer(num_words=400).fit_transform(X))
    return ids[:300], y[:300]


class _Raise(keras.callbacks.Callback):
    """Raise ``error`` at the given training batch."""

    def __init__(self, error, at_batch=2):
        super().__init__()
        self.error, self.at_batch = error, at_batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.at_batch:
            raise self.error


@pytest.mark.parametrize("optimizer, mask_padding, n_classes", [
    ("sgd", True, 2), ("adam", False, 2), ("rmsprop", True, 3), ("adam", True, 3),
])
def test_absurd_learning_rate_is_detected(data, optimizer, mask_padding, n_classes):
    X, y = data
    y = y if n_classes == 2 else np.arange(len(y)) % 3
    clf = LSTMSequenceClassifier(optimizer=optimizer, optimizer__learning_rate=1e30,
                                 mask_padding=mask_padding, **TINY)
    with pytest.raises(TrainingDivergedError, match=r"learning_rate=1e\+30"):
        clf.fit(X, y)
    assert not clf.initialized_ and not hasattr(clf, "classes_")


def test_reasonable_learning_rates_are_not_flagged(data):
    X, y = data
    for rate in (1, 0.01):  # an int rate works too
        LSTMSequenceClassifier(optimizer="sgd", optimizer__learning_rate=rate,
                               **TINY).fit(X, y)


@pytest.mark.parametrize("error", [RuntimeError("callback bug"), KeyboardInterrupt()])
def test_failed_first_fit_leaves_estimator_unfitted(data, error):
    X, y = data
    clf = LSTMSequenceClassifier(callbacks=[_Raise(error)], **TINY)
    with pytest.raises(type(error)):
        clf.fit(X, y)
    assert not clf.initialized_
    assert not [k for k in vars(clf) if k.endswith("_") and not k.startswith("_")]
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_failed_refit_keeps_the_working_model(data):
    X, y = data
    clf = LSTMSequenceClassifier(**TINY).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(callbacks=[_Raise(RuntimeError("boom"))], units=6)
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.architecture_["units"] == 4


def test_interrupted_partial_fit_keeps_earlier_training(data):
    X, y = data
    clf = LSTMSequenceClassifier(**TINY)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)
    before, history = clf.predict_proba(X), {k: list(v) for k, v in clf.history_.items()}
    weights = [v.numpy() for v in clf.model_.optimizer.variables]
    clf.set_params(callbacks=[_Raise(KeyboardInterrupt())])
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.history_ == history and len(clf.history_["loss"]) == 2
    for variable, value in zip(clf.model_.optimizer.variables, weights, strict=True):
        np.testing.assert_array_equal(variable.numpy(), value)
    clf.set_params(callbacks=None)
    clf.partial_fit(X, y)  # still trainable
    assert len(clf.history_["loss"]) == 3


def test_failed_warm_start_continuation_keeps_the_model(data):
    X, y = data
    clf = LSTMSequenceClassifier(warm_start=True, **TINY).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(callbacks=[_Raise(RuntimeError("late"), at_batch=5)])
    with pytest.raises(RuntimeError, match="late"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


@pytest.mark.parametrize("change", [{"units": 8}, {"layer_type": "gru"},
                                    {"mask_padding": False}, {"vocab_size": 999}])
def test_continuation_refuses_architecture_changes(data, change):
    X, y = data
    clf = LSTMSequenceClassifier(warm_start=True, **TINY).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(**change)
    with pytest.raises(ValueError, match=f"{next(iter(change))} changed"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="changed since the model was built"):
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_continuation_applies_new_optimizer_settings_and_callbacks(data):
    X, y = data
    clf = LSTMSequenceClassifier(warm_start=True, optimizer__learning_rate=0.01,
                                 **TINY).fit(X, y)
    seen = []
    clf.set_params(optimizer__learning_rate=0.5, callbacks=[
        keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))])
    clf.fit(X, y)
    rate = keras.ops.convert_to_numpy(clf.model_.optimizer.learning_rate)
    assert float(rate) == pytest.approx(0.5)
    assert len(seen) == 1  # the new callback ran
    clf.set_params(optimizer="sgd")
    clf.partial_fit(X, y)
    assert isinstance(clf.model_.optimizer, keras.optimizers.SGD)


def test_fit_time_choices_are_fixed_at_fit(data):
    X, y = data
    clf = LSTMSequenceClassifier(mask_padding=False, **TINY).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(mask_padding=True, conv_filters=4)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.architecture_["mask_padding"] is False


def test_misspelt_routed_parameter_is_refused_at_fit(data):
    X, y = data
    clf = LSTMSequenceClassifier(optimiser__learning_rate=123, **TINY)
    with pytest.raises(ValueError, match="optimiser__learning_rate"):
        clf.fit(X, y)


@pytest.mark.parametrize("kwargs, fit_kwargs, message", [
    ({}, {"sample_weight": -1.0}, "sample_weight must be finite and non-negative; row 0"),
    ({}, {"sample_weight": np.r_[np.ones(299), np.nan]}, "row 299"),
    ({}, {"sample_weight": np.ones(3)}, r"shape \(3,\)"),
    ({"class_weight": {0: 1.0, 1: -2.0}}, {}, r"class_weight\[1\] must be"),
    ({"class_weight": {0: 1.0, 7: 2.0}}, {}, "class_weight names 7"),
])
def test_bad_weights(data, kwargs, fit_kwargs, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        LSTMSequenceClassifier(**{**TINY, **kwargs}).fit(X, y, **fit_kwargs)


def test_partial_fit_with_an_unknown_class(data):
    X, y = data
    with pytest.raises(ValueError, match="class 1, which is not in classes"):
        LSTMSequenceClassifier(**TINY).partial_fit(X, y, classes=[0, 2])
    clf = LSTMSequenceClassifier(**TINY).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="class 5, which is not in classes_"):
        clf.partial_fit(X, np.where(y == 1, 5, 0))


def test_implausible_inferred_vocabulary_is_refused(data):
    X, y = data
    X = X.copy()
    X[7, 3] = 2_000_000_000
    with pytest.raises(ValueError, match=r"row 7\).*set vocab_size"):
        LSTMSequenceClassifier(**TINY).fit(X, y)


def test_pooling_wider_than_the_input(data):
    X, y = data
    narrow = X[:, -1:]  # one time step
    masked = LSTMSequenceClassifier(pool_size=4, **{**TINY, "conv_filters": 4}).fit(narrow, y)
    assert masked.predict_proba(narrow).shape == (len(y), 2)
    # the masked model pads internally: a wider copy of the same rows agrees
    np.testing.assert_array_equal(masked.predict_proba(np.pad(narrow, ((0, 0), (0, 7)))),
                                  masked.predict_proba(narrow))
    with pytest.raises(ValueError, match="fewer than pool_size=4"):
        LSTMSequenceClassifier(pool_size=4, mask_padding=False,
                               **{**TINY, "conv_filters": 4}).fit(narrow, y)
    unmasked = LSTMSequenceClassifier(pool_size=4, mask_padding=False,
                                      **{**TINY, "conv_filters": 4}).fit(X, y)
    with pytest.raises(ValueError, match="fewer than the model's pool_size=4"):
        unmasked.predict(narrow)


def test_one_column_dataframe_is_read_as_its_column(rt_texts, data):
    pd = pytest.importorskip("pandas")
    X, y = rt_texts
    pipe = make_pipeline(IntegerSequencer(num_words=300), Padder(maxlen=20),
                         LSTMSequenceClassifier(**TINY))
    frame = pd.DataFrame({"review": X[:200]})
    pipe.fit(frame[["review"]], y[:200])
    assert pipe.predict(frame[["review"]].iloc[:20]).shape == (20,)
    np.testing.assert_array_equal(pipe.predict_proba(frame[["review"]]),
                                  pipe.predict_proba(X[:200]))
    frame["other"] = 1
    with pytest.raises(ValueError, match="one column of texts; got a DataFrame with 2"):
        pipe.predict(frame)
    with pytest.raises(TypeError, match="not a dict"):
        pipe.predict({"a": "text"})


@pytest.mark.parametrize("dtype, rows, message", [
    ("uint8", [[300, 2]], "Row 0 of X holds id 300"),
    ("int32", [[5], [2**31]], "Row 1 of X holds id 2147483648"),
    ("int16", np.array([[1, 70000]], dtype=np.int64), "Row 0"),
    ("int32", [[1.0, 2.5]], "Row 0 of X holds a non-integer"),
])
def test_padder_refuses_values_its_dtype_cannot_hold(dtype, rows, message):
    with pytest.raises(ValueError, match=message):
        Padder(maxlen=3, dtype=dtype).fit_transform(rows)


def test_padder_refuses_non_numeric_dtype():
    with pytest.raises(ValueError, match="integer or float dtype"):
        Padder(dtype="U5").fit([[1, 2]])

