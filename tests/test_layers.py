"""skseq._layers: SplitMaskedRNN gives exactly the masked Keras layer's result, faster;
the pooling and n-gram layers give the same bits whatever the padding."""

import keras
import numpy as np
import pytest

from skseq._layers import SplitMaskedRNN

LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU,
          "simple_rnn": keras.layers.SimpleRNN}


def _ids(seed=0, n=24, width=20, empty_rows=(5,), full_rows=(0,)):
    """Left-aligned ids with varied lengths, some rows empty, some full."""
    rng = np.random.RandomState(seed)
    X = rng.randint(1, 40, (n, width)).astype("int32")
    lengths = rng.randint(width // 2, width + 1, n)
    lengths[list(empty_rows)] = 0
    lengths[list(full_rows)] = width
    X[np.arange(width) >= lengths[:, None]] = 0
    return X


def _pair(layer_type, bidirectional, units=6):
    """The same weights behind a masked Keras layer and a SplitMaskedRNN."""
    def model(recurrent):
        inputs = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(40, 5, mask_zero=True)(inputs)
        outputs = keras.layers.Dense(1)(recurrent(x))
        return keras.Model(inputs, outputs)

    keras.utils.set_random_seed(0)
    layer = LAYERS[layer_type](units)
    reference = model(keras.layers.Bidirectional(layer) if bidirectional else layer)
    split = model(SplitMaskedRNN(LAYERS[layer_type](units), bidirectional=bidirectional))
    split.set_weights(reference.get_weights())
    return reference, split


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layer_type", sorted(LAYERS))
def test_bit_identical_to_masked_keras_layer(layer_type, bidirectional):
    reference, split = _pair(layer_type, bidirectional)
    X = _ids()
    np.testing.assert_array_equal(split(X).numpy(), reference(X).numpy())


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradients_identical_to_masked_keras_layer(bidirectional):
    # one training step from equal weights leaves equal weights: the
    # backward pass through both passes is exact too
    reference, split = _pair("lstm", bidirectional)
    X, y = _ids(1), np.arange(24) % 2
    for model in (reference, split):
        model.compile(keras.optimizers.SGD(0.5), "mse")
        model.train_on_batch(X, y)
    for a, b in zip(reference.get_weights(), split.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize("case", ["all_empty", "one_step", "no_padding", "pre_padded"])
def test_edge_layouts(case):
    reference, split = _pair("lstm", True)
    X = _ids(2)
    if case == "all_empty":
        X[:] = 0
    elif case == "one_step":
        X = X[:, :1]
    elif case == "no_padding":
        X = np.random.RandomState(3).randint(1, 40, (8, 9)).astype("int32")
    else:  # padding first: the unmasked pass is empty, still exact
        X = X[:, ::-1].copy()
    got = split(X).numpy()
    np.testing.assert_array_equal(got, reference(X).numpy())
    assert np.isfinite(got).all()


def test_empty_rows_give_zero_state():
    layer = SplitMaskedRNN(keras.layers.GRU(4), bidirectional=True)
    x = np.random.RandomState(0).rand(3, 5, 2).astype("float32")
    mask = np.array([[True] * 5, [False] * 5, [True, True, False, False, False]])
    out = layer(x, mask=mask).numpy()
    assert out.shape == (3, 8)
    np.testing.assert_array_equal(out[1], 0.0)
    assert np.abs(out[[0, 2]]).min() > 0


def test_without_mask_runs_the_plain_layer():
    keras.utils.set_random_seed(0)
    plain = keras.layers.LSTM(4)
    split = SplitMaskedRNN(keras.layers.LSTM(4))
    x = np.random.RandomState(0).rand(2, 6, 3).astype("float32")
    expected = plain(x).numpy()
    split(x)
    split.set_weights(plain.get_weights())
    np.testing.assert_array_equal(split(x).numpy(), expected)


def test_config_round_trip_and_saving(tmp_path):
    _, split = _pair("gru", True)
    path = tmp_path / "m.keras"
    split.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    layer = next(x for x in loaded.layers if isinstance(x, SplitMaskedRNN))
    assert layer.bidirectional and type(layer.forward_layer).__name__ == "GRU"
    X = _ids(4)
    np.testing.assert_array_equal(loaded(X).numpy(), split(X).numpy())


@pytest.mark.parametrize("kwargs, match", [
    ({"return_sequences": True}, "final output"),
    ({"return_state": True}, "final output"),
    ({"recurrent_dropout": 0.2}, "dropout"),
    ({"dropout": 0.2}, "dropout"),
])
def test_rejects_layers_it_cannot_split(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SplitMaskedRNN(keras.layers.LSTM(4, **kwargs))


@pytest.mark.parametrize("features", [1, 7, 8, 100])
@pytest.mark.parametrize("mode", ["mean", "max_mean", "attention", "ngrams"])
def test_trailing_padding_changes_no_bit(mode, features):
    # ops.sum over time groups its additions by the axis' length: appending
    # padding steps changed its result in most trials (skseq._layers.time_sum)
    from skseq._layers import NgramLinear, SequencePooling

    rng = np.random.RandomState(features)
    ids = _ids(seed=features, n=32, width=13)
    wide = np.pad(ids, ((0, 0), (0, 19)))
    if mode == "ngrams":
        layer = NgramLinear(40, features, order=2, buckets=97, scale=40.0)
        layer.build((None, None))
        layer.set_weights([rng.randn(*w.shape).astype("float32") for w in layer.get_weights()])
        narrow_out, wide_out = layer(ids), layer(wide)
    else:
        layer = SequencePooling(mode)
        steps = rng.randn(32, 13, features).astype("float32")
        wide_steps = np.concatenate([steps, rng.randn(32, 19, features).astype("float32")], 1)
        layer.build(steps.shape)
        narrow_out = layer(steps, mask=ids != 0)
        wide_out = layer(wide_steps, mask=wide != 0)
    assert np.array_equal(keras.ops.convert_to_numpy(narrow_out),
                          keras.ops.convert_to_numpy(wide_out))
