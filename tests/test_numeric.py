"""Numeric sequences (sensor traces, speech features, case counts) end to end.

Real archive data (JapaneseVowels: 12 features, 7 to 29 steps; Covid3Month:
daily counts that start with runs of real zero days), tiny real fits.
"""

import io

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

import skseq
from skseq import LSTMSequenceClassifier, LSTMSequenceRegressor, Padder
from skseq.datasets import TIME_SERIES, from_channels_first, load_time_series

pytest.importorskip("aeon", reason="the archive sets ship in aeon (skseq[timeseries])")

TINY = dict(embedding_dim=8, units=8, conv_filters=4, epochs=2, batch_size=16,
            early_stopping=False, random_state=0)


@pytest.fixture(scope="module")
def vowels():
    X, y = load_time_series("JapaneseVowels", return_X_y=True)
    return X[::3], y[::3]  # 90 series, every speaker


@pytest.fixture(scope="module")
def covid():
    return load_time_series("Covid3Month", return_X_y=True)


@pytest.fixture(scope="module")
def vowels_model(vowels):
    X, y = vowels
    return make_pipeline(Padder(), LSTMSequenceClassifier(**TINY)).fit(X, y)


# --- data

def test_archive_sets_load_as_time_first_rows():
    for name, info in TIME_SERIES.items():
        train = load_time_series(name)
        test = load_time_series(name, "test")
        assert len(train.data) == info["train"] and len(test.data) == info["test"], name
        assert {row.shape[1] for row in train.data + test.data} == {info["features"]}
        assert name in train.DESCR
        if info["task"] == "classification":
            assert train.target.dtype.kind == "U" and train.target_names
        else:
            assert train.target.dtype == np.float64 and train.target_names == []
    lengths = {len(row) for row in load_time_series("JapaneseVowels", "all").data}
    assert min(lengths) == 7 and max(lengths) == 29  # of varying length
    with pytest.raises(ValueError, match="Unknown time-series set 'Nope'"):
        load_time_series("Nope")
    with pytest.raises(ValueError, match="'subset'"):
        load_time_series("GunPoint", "valid")


def test_rows_match_aeons_own_loader_through_from_channels_first():
    from aeon.datasets import load_basic_motions, load_japanese_vowels

    X, y = load_basic_motions(split="train")  # (n, channels, t)
    ours, our_y = load_time_series("BasicMotions", return_X_y=True)
    for a, b in zip(from_channels_first(X), ours, strict=True):
        np.testing.assert_array_equal(a, b)
    assert list(y) == [label.lower() for label in our_y]  # aeon lower-cases labels
    X, _ = load_japanese_vowels(split="test")  # a list of (channels, t_i)
    ours = load_time_series("JapaneseVowels", "test").data
    for a, b in zip(from_channels_first(X), ours, strict=True):
        np.testing.assert_array_equal(a, b)
    assert from_channels_first(np.zeros((2, 5)))[0].shape == (5, 1)  # univariate 2-D


# --- Padder

def test_padder_pads_time_with_nan_steps_and_keeps_real_zero_steps(covid):
    X, _ = covid
    assert (X[0] == 0).all(axis=1).sum() > 10  # real all-zero days
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            rows = [X[0][:30], X[1][:50]]
            out = Padder(maxlen=40, padding=padding, truncating=truncating) \
                .fit_transform(rows)
            assert out.shape == (2, 40, 1) and out.dtype == np.float32
            kept = rows[1][-40:] if truncating == "pre" else rows[1][:40]
            np.testing.assert_array_equal(out[1], kept.astype(np.float32))
            real = out[0][~np.isnan(out[0, :, 0])]
            np.testing.assert_array_equal(real, rows[0].astype(np.float32))
            assert np.isnan(out[0]).all(axis=1).sum() == 10
            pad_at = slice(0, 10) if padding == "pre" else slice(30, 40)
            assert np.isnan(out[0, pad_at]).all()
    padder = Padder().fit(X)
    assert padder.maxlen_ == 84 and padder.n_step_features_ == 1
    assert Padder().fit([[1, 2]]).n_step_features_ is None
    # one 3-D array is the same as its rows
    np.testing.assert_array_equal(Padder().fit_transform(np.stack(X[:3])),
                                  Padder().fit_transform(X[:3]))


@pytest.mark.parametrize("rows, error, match", [
    (lambda r: [r[0], r[1][:, :5]], ValueError, "Row 1 of X has 5 features per step"),
    (lambda r: [r[0], np.where(np.arange(12) == 3, np.nan, r[1])], ValueError,
     r"Row 1 of X holds NaN or infinity \(time step 0\)"),
    (lambda r: [r[0], r[1], r[2] * np.inf], ValueError, "Row 2 of X holds NaN or inf"),
    (lambda r: [r[0], r[1].astype(str)], TypeError, "Row 1 of X has dtype <U"),
    (lambda r: [r[0], np.array([["a"] * 12], dtype=object)], TypeError,
     "Row 1 of X holds values that are not numbers"),
    (lambda r: [r[0], r[1][:, 0]], ValueError, r"Row 1 of X has shape \(\d+,\); .*"
     r"row.reshape\(-1, 1\)"),
    (lambda r: [r[0], r[1][:0]], ValueError, r"Row 1 of X is empty \(0 time steps\)"),
    (lambda r: [r[0], r[1] > 0], TypeError, "Row 1 of X has dtype boolean"),
])
def test_padder_refuses_broken_rows_naming_them(vowels, rows, error, match):
    with pytest.raises(error, match=match):
        Padder().fit_transform(rows(vowels[0]))


def test_padder_settings_numeric_steps_cannot_take(vowels):
    X = vowels[0][:3]
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        Padder(dtype="int32").fit(X)
    with pytest.raises(ValueError, match="padded with NaN .* leave value=None"):
        Padder(value=0).fit(X)
    assert Padder(dtype="float64").fit_transform(X).dtype == np.float64
    fitted = Padder().fit(X)
    with pytest.raises(ValueError, match="X has 11 features per step, but Padder was "
                                         "fitted with 12"):
        fitted.transform([row[:, 1:] for row in X])
    with pytest.raises(ValueError, match="fitted on numeric sequences of 12 features"):
        fitted.transform([[1, 2, 3]])
    with pytest.raises(ValueError, match="fitted on token ids"):
        Padder().fit([[1, 2]]).transform(X)
    with pytest.raises(ValueError, match="beyond the range of Padder's dtype float32"):
        Padder().fit_transform([np.full((2, 1), 1e300)])


# --- the estimators

def test_padding_side_and_width_never_change_predictions(vowels):
    X, y = vowels
    settings = [dict(layer_type="lstm", pooling="max_mean"),
                dict(layer_type="gru", pooling="last", conv_filters=0),
                dict(layer_type="simple_rnn", pooling="attention", bidirectional=True),
                dict(layer_type="lstm", pooling="mean", n_layers=2, conv_filters=0),
                dict(layer_type="gru", pooling="max", bidirectional=True, pool_size=3),
                dict(layer_type="lstm", pooling="last", bidirectional=True,
                     recurrent_dropout=0.1)]
    layouts = [Padder(), Padder(padding="post"), Padder(maxlen=64),
               Padder(maxlen=41, padding="post")]
    for setting in settings:
        clf = LSTMSequenceClassifier(**{**TINY, "epochs": 1, **setting})
        clf.fit(Padder().fit_transform(X), y)
        first = clf.predict_proba(layouts[0].fit_transform(X))
        for padder in layouts[1:]:
            # stated tolerance 1e-6; measured: identical
            np.testing.assert_allclose(clf.predict_proba(padder.fit_transform(X)), first,
                                       rtol=0, atol=1e-6, err_msg=str(setting))


def test_real_zero_steps_are_read_not_masked(covid):
    X, y = covid
    reg = make_pipeline(Padder(), LSTMSequenceRegressor(**TINY)).fit(X, y)
    leading = np.argmax((X[0] != 0).any(axis=1))
    assert leading > 10  # the series starts with real zero days
    with_zeros, without = reg.predict([X[0]]), reg.predict([X[0][leading:]])
    assert abs(with_zeros[0] - without[0]) > 1e-6
    # while padding the same length is invisible
    padded = Padder(maxlen=84 + leading).fit_transform([X[0][leading:]])
    np.testing.assert_allclose(reg[-1].predict(padded), without, rtol=0, atol=1e-6)


def test_standardisation_comes_from_the_real_training_steps(vowels):
    X, y = vowels
    padded = Padder(maxlen=40).fit_transform(X)
    clf = LSTMSequenceClassifier(**TINY).fit(padded, y)
    steps = np.concatenate(X)
    layer = clf.model_.get_layer("numeric_steps")
    np.testing.assert_allclose(layer.mean.numpy(), steps.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.scale.numpy(), steps.std(axis=0), rtol=1e-5)
    # with early stopping, the held-out rows are left out of the statistics
    clf = LSTMSequenceClassifier(**{**TINY, "early_stopping": True}).fit(padded, y)
    assert not np.allclose(clf.model_.get_layer("numeric_steps").mean.numpy(),
                           steps.mean(axis=0), rtol=1e-6)


def test_round_trips_and_determinism(vowels, vowels_model, tmp_path):
    X, y = vowels
    expected = vowels_model.predict_proba(X)
    path = tmp_path / "vowels.skseq"
    skseq.save(vowels_model, path)
    np.testing.assert_array_equal(skseq.load(path).predict_proba(X), expected)
    buffer = io.BytesIO()
    joblib.dump(vowels_model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict_proba(X), expected)
    again = clone(vowels_model).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    assert vowels_model[-1].vocab_size_ is None
    assert vowels_model[-1].architecture_["step_features"] == 12
    assert vowels_model[-1].architecture_["linear_ngrams"] == 0  # 'auto'


def test_regressor_round_trip(covid, tmp_path):
    X, y = covid
    reg = make_pipeline(Padder(), LSTMSequenceRegressor(**TINY)).fit(X[:60], y[:60])
    skseq.save(reg, tmp_path / "covid.skseq")
    np.testing.assert_array_equal(skseq.load(tmp_path / "covid.skseq").predict(X[60:]),
                                  reg.predict(X[60:]))


def test_a_failed_fit_keeps_the_working_model(vowels, vowels_model):
    X, y = vowels
    clf = clone(vowels_model[-1]).fit(Padder().fit_transform(X), y)
    padded = Padder().fit_transform(X)
    expected = clf.predict_proba(padded)

    class Boom(Exception):
        pass

    class Raise(skseq._base.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise Boom

    with pytest.raises(Boom):
        clf.set_params(callbacks=[Raise()]).fit(padded, y)
    clf.set_params(callbacks=None)
    broken = padded.copy()
    broken[3, -1, 2] = np.nan  # part of a step missing
    with pytest.raises(ValueError, match="Row 3 of X has NaN in some features of time "
                                         f"step {padded.shape[1] - 1}"):
        clf.fit(broken, y)
    with pytest.raises(ValueError, match="token ids"):
        clf.set_params(warm_start=True).fit(np.ones((len(y), 5), int), y)
    np.testing.assert_array_equal(clf.predict_proba(padded), expected)


@pytest.mark.parametrize("params, match", [
    (dict(vocab_size=100), "vocab_size=100 only apply to token ids"),
    (dict(embeddings=np.zeros((4, 8))), "embeddings=array"),
    (dict(trainable_embeddings=False), "trainable_embeddings=False"),
    (dict(linear_ngrams=2), "linear_ngrams=2"),
])
def test_id_only_parameters_are_refused_for_numeric_steps(vowels, params, match):
    X, y = vowels
    with pytest.raises(ValueError, match=match):
        LSTMSequenceClassifier(**{**TINY, **params}).fit(Padder().fit_transform(X), y)


def test_bad_numeric_input_to_a_fitted_estimator(vowels, vowels_model):
    X, y = vowels
    clf = vowels_model[-1]
    padded = Padder().fit_transform(X)
    with pytest.raises(ValueError, match="token ids .* fitted on numeric steps of 12"):
        clf.predict(np.ones((2, 5), int))
    with pytest.raises(ValueError, match="X has 6 features per step, but the model was "
                                         "fitted with 12"):
        clf.predict(padded[:, :, :6])
    bad = padded.copy()
    bad[1, -1, 0] = np.inf
    with pytest.raises(ValueError, match="Row 1 of X holds infinity"):
        clf.predict(bad)
    bad[1] = np.nan
    with pytest.raises(ValueError, match="Row 1 of X has no real time step"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="numeric sequences of different lengths; pad "
                                         "them with Padder first"):
        clf.predict([X[0], X[0][:5]])
    with pytest.raises(TypeError, match="expects numeric steps; X has dtype <U"):
        clf.predict(padded.astype(str))
    text_model = LSTMSequenceClassifier(**{**TINY, "conv_filters": 0}).fit(
        np.array([[1, 2, 3], [4, 5, 0]]), [0, 1])
    with pytest.raises(ValueError, match="numeric steps of 12 features, but the model "
                                         "was fitted on token ids"):
        text_model.predict(padded)


# --- explanations

def test_step_attributions_are_exact_occlusion_differences(vowels, vowels_model):
    from skseq.inspection import step_attributions

    X, _ = vowels
    clf = vowels_model[-1]
    [a] = step_attributions(vowels_model, X[:1])
    steps = X[0].astype(np.float32)
    assert a.step_scores.shape == (len(steps),) and a.feature_scores.shape == (12,)
    baseline = clf.model_.get_layer("numeric_steps").mean.numpy()
    np.testing.assert_array_equal(a.baseline, baseline)
    column = int(np.argmax(a.proba))
    full = vowels_model.predict_proba(X[:1])[0, column]
    occluded = steps.copy()
    occluded[4] = baseline
    np.testing.assert_allclose(a.step_scores[4],
                               full - vowels_model.predict_proba([occluded])[0, column],
                               atol=1e-6)
    occluded = steps.copy()
    occluded[:, 7] = baseline[7]
    np.testing.assert_allclose(a.feature_scores[7],
                               full - vowels_model.predict_proba([occluded])[0, column],
                               atol=1e-6)
    # the bare estimator on padded input explains the same
    [bare] = step_attributions(clf, Padder(maxlen=40).fit_transform(X[:1]))
    np.testing.assert_allclose(bare.step_scores, a.step_scores, atol=1e-6)
    [wide] = step_attributions(vowels_model, X[:1], window=4)
    assert wide.step_scores[0] == wide.step_scores[3] != wide.step_scores[4]
    assert wide.top_steps(2)[0][1] == pytest.approx(np.abs(wide.step_scores).max()) \
        or wide.top_steps(2)[0][1] == pytest.approx(-np.abs(wide.step_scores).max())


def test_step_attributions_refuse_text_models_and_bad_arguments(vowels, vowels_model):
    from skseq.inspection import step_attributions

    text_model = LSTMSequenceClassifier(**{**TINY, "conv_filters": 0}).fit(
        np.array([[1, 2, 3], [4, 5, 0]]), [0, 1])
    with pytest.raises(TypeError, match="reads token ids: use token_attributions"):
        step_attributions(text_model, np.array([[1, 2, 3]]))
    from skseq.inspection import token_attributions

    with pytest.raises(TypeError, match="reads numeric steps: use step_attributions"):
        token_attributions(vowels_model, vowels[0][:1])
    with pytest.raises(ValueError, match="window must be a positive int"):
        step_attributions(vowels_model, vowels[0][:1], window=0)
    with pytest.raises(ValueError, match="target='zz' is not one of"):
        step_attributions(vowels_model, vowels[0][:1], target="zz")
