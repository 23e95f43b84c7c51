import numpy as np
import pytest

from skseq._architectures import build_model
from skseq._persistence import _RENAMED_NODES


@pytest.mark.parametrize("layer_type, cls", [("lstm", "LSTM"), ("gru", "GRU"),
                                             ("simple_rnn", "SimpleRNN")])
def test_layer_types_and_stacking(layer_type, cls):
    model = build_model(vocab_size=50, n_outputs=1, units=4, layer_type=layer_type,
                        n_layers=3, bidirectional=True, mask_padding=False)
    recurrent = [layer for layer in model.layers if type(layer).__name__ == "Bidirectional"]
    assert len(recurrent) == 3
    assert all(type(layer.forward_layer).__name__ == cls for layer in recurrent)
    assert [layer.forward_layer.return_sequences for layer in recurrent] == [True, True, False]


@pytest.mark.parametrize("recurrent_dropout, last", [(0.0, "SplitMaskedRNN"),
                                                     (0.2, "Bidirectional")])
def test_masked_last_layer_runs_split_unless_recurrent_dropout(recurrent_dropout, last):
    # SplitMaskedRNN would draw a second dropout mask mid-sequence
    model = build_model(vocab_size=50, n_outputs=1, units=4, n_layers=2,
                        bidirectional=True, recurrent_dropout=recurrent_dropout)
    names = [type(layer).__name__ for layer in model.layers]
    assert names[-2:] == [last, "Dense"]
    assert names.count("Bidirectional") == (1 if last == "SplitMaskedRNN" else 2)
    unmasked = build_model(vocab_size=50, n_outputs=1, units=4, n_layers=2,
                           bidirectional=True, recurrent_dropout=recurrent_dropout,
                           mask_padding=False)
    assert model.count_params() == unmasked.count_params()


def test_multiclass_head_and_variable_width():
    model = build_model(vocab_size=50, n_outputs=4, units=4)
    assert model.output_shape == (None, 4)
    for width in (3, 17):
        out = model(np.ones((2, width), dtype="int32")).numpy()
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_dropout_layers_only_when_asked():
    plain = build_model(vocab_size=50, n_outputs=1, units=4)
    dropped = build_model(vocab_size=50, n_outputs=1, units=4, dropout=0.3,
                          recurrent_dropout=0.2)
    assert not [layer for layer in plain.layers if "dropout" in layer.name]
    assert len([layer for layer in dropped.layers if type(layer).__name__ == "Dropout"]) == 2
    lstm = dropped.get_layer("lstm_0")
    assert lstm.recurrent_dropout == 0.2 and lstm.dropout == 0.2


def test_masked_conv_ignores_trailing_padding():
    model = build_model(vocab_size=50, n_outputs=1, units=4, conv_filters=4,
                        mask_padding=True)
    x = np.zeros((1, 64), dtype="int32")
    x[0, :20] = np.arange(1, 21)
    np.testing.assert_array_equal(model(x).numpy(), model(x[:, :32]).numpy())
    unmasked = build_model(vocab_size=50, n_outputs=1, units=4, conv_filters=4,
                           mask_padding=False)
    assert not np.array_equal(unmasked(x).numpy(), unmasked(x[:, :32]).numpy())


def _class_nodes(node, seen):
    if isinstance(node, dict):
        if "class_name" in node:
            module = node.get("module")
            seen.add((module, _RENAMED_NODES.get((module, node["class_name"]),
                                                 node["class_name"])))
        for value in node.values():
            _class_nodes(value, seen)
    elif isinstance(node, list):
        for value in node:
            _class_nodes(value, seen)
    return seen


def test_allow_list_is_exactly_what_build_model_produces():
    # The safe loader's allow-list (skseq._persistence) must accept every
    # architecture build_model can produce and name nothing else, and
    # count_parameters (its size check) must agree with Keras on each one.
    import itertools

    import keras

    from skseq._architectures import POOLINGS, count_parameters
    from skseq._persistence import _ALLOWED_NODES, _check_keras_config

    seen = set()
    grid = list(itertools.product(["lstm", "gru", "simple_rnn"], [False, True], [1, 2],
                                  [0.0, 0.2], [0.0, 0.2], [0, 4], [False, True], [1, 3]))
    assert len(grid) == 384
    for (layer_type, bidirectional, n_layers, dropout, recurrent_dropout,
         conv_filters, mask_padding, n_outputs) in grid:
        settings = dict(vocab_size=50, n_outputs=n_outputs, embedding_dim=4, units=3,
                        layer_type=layer_type, bidirectional=bidirectional,
                        n_layers=n_layers, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, conv_filters=conv_filters,
                        mask_padding=mask_padding)
        model = build_model(**settings)
        config = keras.saving.serialize_keras_object(model)
        _check_keras_config(config)
        _class_nodes(config, seen)
        assert count_parameters(**settings) == model.count_params(), settings
    heads = list(itertools.product(POOLINGS[1:], [0.0, 0.2], [False, True], [False, True],
                                   [0, 4], [1, 2]))
    for pooling, embedding_dropout, mask_padding, bidirectional, conv_filters, \
            n_layers in heads:
        settings = dict(vocab_size=50, n_outputs=2, embedding_dim=4, units=3,
                        pooling=pooling, embedding_dropout=embedding_dropout,
                        mask_padding=mask_padding, bidirectional=bidirectional,
                        conv_filters=conv_filters, n_layers=n_layers)
        model = build_model(**settings)
        config = keras.saving.serialize_keras_object(model)
        _check_keras_config(config)
        _class_nodes(config, seen)
        assert count_parameters(**settings) == model.count_params(), settings
    wide = list(itertools.product([1, 2], ["last", "max_mean"], [False, True], [1, 3]))
    for linear_ngrams, pooling, mask_padding, n_outputs in wide:
        settings = dict(vocab_size=50, n_outputs=n_outputs, embedding_dim=4, units=3,
                        pooling=pooling, mask_padding=mask_padding,
                        linear_ngrams=linear_ngrams, ngram_buckets=64)
        model = build_model(**settings)
        config = keras.saving.serialize_keras_object(model)
        _check_keras_config(config)
        _class_nodes(config, seen)
        assert count_parameters(**settings) == model.count_params(), settings
    numeric = list(itertools.product(POOLINGS, [0, 4], [False, True], [False, True]))
    for pooling, conv_filters, mask_padding, bidirectional in numeric:
        settings = dict(vocab_size=None, n_outputs=2, embedding_dim=4, units=3,
                        step_features=3, pooling=pooling, conv_filters=conv_filters,
                        mask_padding=mask_padding, bidirectional=bidirectional,
                        embedding_dropout=0.2)
        model = build_model(**settings)
        config = keras.saving.serialize_keras_object(model)
        _check_keras_config(config)
        _class_nodes(config, seen)
        assert count_parameters(**settings) == model.count_params(), settings
    # the allow-list names every optimizer of recent Keras; older ones lack some
    missing = {("keras.optimizers", name) for name in _ALLOWED_NODES["keras.optimizers"]
               if not hasattr(keras.optimizers, name)}
    optimizers = {name for name in _ALLOWED_NODES["keras.optimizers"]
                  if ("keras.optimizers", name) not in missing}
    for name in optimizers:
        optimizer = getattr(keras.optimizers, name)()
        config = keras.saving.serialize_keras_object(optimizer)
        _check_keras_config(config)
        _class_nodes(config, seen)
    allowed = {(module, name) for module, names in _ALLOWED_NODES.items()
               for name in names} - missing
    if isinstance(keras.layers.Dense(1).get_config()["dtype"], str):
        allowed.discard(("keras", "DTypePolicy"))  # older Keras: dtypes are strings
    assert seen == allowed
