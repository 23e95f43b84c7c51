"""Pure functions from named hyperparameters to Keras models.

Nothing here knows about scikit-learn: ``build_model`` takes plain values and
returns an uncompiled Keras model, so the same code serves the estimator, the
benchmarks (plain Keras peers) and anyone who wants the bare model.
"""

import inspect

import keras

from ._layers import (
    POOLINGS,
    NgramLinear,
    NumericSteps,
    SequencePooling,
    SplitMaskedRNN,
    StepMask,
)

__all__ = ["build_model", "LAYER_TYPES", "POOLINGS"]

#: Recurrent layer classes selectable by ``layer_type``.
LAYER_TYPES = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "simple_rnn": keras.layers.SimpleRNN,
}

# NgramLinear's learning rate relative to the network's (its weights are
# multiplied by this). Measured on the protocol split with Adam (lr 1e-3):
# the n-gram part alone reached 87.7% test accuracy after 10 epochs at 1,
# 89.8% at 10 (still improving) and 90.0% at 40 (best epoch 6); a bag of
# n-grams needs a far larger step than a recurrent network.
NGRAM_SCALE = 40.0


def build_model(
    *,
    vocab_size,
    n_outputs,
    embedding_dim=32,
    units=100,
    layer_type="lstm",
    bidirectional=False,
    n_layers=1,
    dropout=0.0,
    embedding_dropout=0.0,
    recurrent_dropout=0.0,
    conv_filters=0,
    conv_kernel_size=3,
    pool_size=2,
    pooling="last",
    mask_padding=True,
    linear_ngrams=0,
    ngram_buckets=2**20,
    ngram_prior=None,
    step_features=0,
    output_activation=None,
):
    """Build an uncompiled embedding + recurrent classifier.

    Layout: ``Embedding -> [SpatialDropout1D] -> [Dropout] -> [Conv1D ->
    MaxPooling1D] -> recurrent layer(s) -> [SequencePooling] -> [Dropout] ->
    Dense``; with ``linear_ngrams`` the dense layer's logits and those of
    ``skseq._layers.NgramLinear`` over the input ids are added before the
    output activation (wide and deep). The input accepts sequences of any
    length (``shape=(None,)``).
    With ``pooling='last'``, ``mask_padding`` and no ``recurrent_dropout``
    the last recurrent layer is wrapped in ``skseq._layers.SplitMaskedRNN``:
    the masked layer's result, with cheaper steps. Other poolings read every
    step of the last recurrent layer (``skseq._layers.SequencePooling``).

    Parameters
    ----------
    vocab_size : int or None
        Embedding ``input_dim``: every id must be smaller (unused with
        ``step_features``).
    n_outputs : int
        Output units.
    embedding_dim, units, layer_type, bidirectional, n_layers, dropout, \
embedding_dropout, recurrent_dropout, conv_filters, conv_kernel_size, pool_size, \
pooling, mask_padding, linear_ngrams, ngram_buckets, ngram_prior
        As in :class:`~skseq.LSTMSequenceClassifier`.
    step_features : int, default=0
        Features per time step of numeric input; 0 for token ids.
    output_activation : {'sigmoid', 'softmax', 'linear'} or None, default=None
        The output layer's activation: sigmoid units (binary, multi-label),
        softmax (multi-class) or none (regression). ``None``: a sigmoid for
        one output, softmax for more.

    Returns
    -------
    model : keras.Model
        The uncompiled model.
    """
    if step_features:
        if linear_ngrams:
            raise ValueError("The n-gram head reads token ids; numeric steps have none.")
        inputs = keras.Input(shape=(None, step_features), dtype="float32", name="steps")
        x = NumericSteps(step_features, name="numeric_steps")(inputs)
        x = keras.layers.Dense(embedding_dim, name="step_projection")(x)
        # explicit: the recurrent layers get it as an argument
        mask = StepMask(name="step_mask")(inputs) if mask_padding else None
    else:
        inputs = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = keras.layers.Embedding(
            vocab_size, embedding_dim, mask_zero=mask_padding, name="embedding"
        )(inputs)
        mask = None  # the embedding's Keras mask
    if embedding_dropout:
        # drops whole word vectors (all of a step's features at once)
        x = keras.layers.SpatialDropout1D(embedding_dropout,
                                          name="embedding_spatial_dropout")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    if conv_filters:
        if mask_padding:
            # Conv1D and pooling drop Keras masks. Zero the padded steps so
            # they contribute nothing to the convolution, then pool the mask
            # alongside the features and hand it to the recurrent layers.
            if mask is None:
                mask = keras.ops.not_equal(inputs, 0)
            x = x * keras.ops.expand_dims(keras.ops.cast(mask, x.dtype), -1)
        x = keras.layers.Conv1D(
            conv_filters, conv_kernel_size, padding="same", activation="relu",
            name="conv",
        )(x)
        x = keras.layers.MaxPooling1D(pool_size, name="pool")(x)
        if mask_padding:
            pooled = keras.layers.MaxPooling1D(pool_size, name="mask_pool")(
                keras.ops.expand_dims(keras.ops.cast(mask, x.dtype), -1)
            )
            mask = keras.ops.squeeze(keras.ops.greater(pooled, 0), -1)
    recurrent = LAYER_TYPES[layer_type]
    for i in range(n_layers):
        last = i == n_layers - 1
        layer = recurrent(
            units,
            recurrent_dropout=recurrent_dropout,
            # the source documents' blog model 3 puts the same rate on the inputs
            dropout=recurrent_dropout,
            return_sequences=not last or pooling != "last",
            name=f"{layer_type}_{i}",
        )
        if last and pooling == "last" and mask_padding and not recurrent_dropout:
            # same result as the masked layer, but unmasked (cheaper) steps
            # wherever the whole batch has data
            layer = SplitMaskedRNN(layer, bidirectional=bidirectional,
                                   name=f"split_masked_{layer_type}_{i}")
        elif bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{i}")
        x = layer(x, mask=mask) if mask is not None else layer(x)
    if pooling != "last":
        # the recurrent layer hands its mask on (an explicit one after the
        # convolution block); without mask_padding every step is pooled
        x = SequencePooling(pooling, name=f"{pooling}_pooling")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="recurrent_dropout_layer")(x)
    activation = output_activation or ("sigmoid" if n_outputs == 1 else "softmax")
    if not linear_ngrams:
        outputs = keras.layers.Dense(n_outputs, activation=activation, name="output")(x)
    else:
        deep = keras.layers.Dense(n_outputs, name="recurrent_logits")(x)
        wide = NgramLinear(vocab_size, n_outputs, order=linear_ngrams,
                           buckets=ngram_buckets, scale=NGRAM_SCALE,
                           prior=ngram_prior is not None, name="linear_ngrams")(inputs)
        logits = keras.layers.Add(name="logits")([deep, wide])
        outputs = keras.layers.Activation(activation, name="output")(logits)
    return keras.Model(inputs, outputs, name="skseq_classifier")


_GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}


def count_parameters(**settings):
    """Number of weights ``build_model`` creates, computed without building.

    The safe loader compares it with the size of a file's weights before it
    allocates anything, so a file cannot describe a model far larger than
    the data it carries.

    Parameters
    ----------
    **settings : dict
        The keyword arguments of :func:`build_model` (``vocab_size`` and
        ``n_outputs`` required; the others default as there).

    Returns
    -------
    n_parameters : int
    """
    defaults = {name: p.default for name, p in
                inspect.signature(build_model).parameters.items()
                if p.default is not inspect.Parameter.empty}
    s = {**defaults, **settings}
    vocab_size, n_outputs, embedding_dim = s["vocab_size"], s["n_outputs"], s["embedding_dim"]
    units, layer_type, conv_filters = s["units"], s["layer_type"], s["conv_filters"]
    features = s["step_features"]
    if features:  # standardisation (mean, scale) and the step projection
        total = 2 * features + features * embedding_dim + embedding_dim
    else:
        total = vocab_size * embedding_dim
    width = embedding_dim
    if conv_filters:
        total += s["conv_kernel_size"] * width * conv_filters + conv_filters
        width = conv_filters
    directions = 2 if s["bidirectional"] else 1
    gates = _GATES[layer_type]
    # Keras' GRU has reset_after=True: a second bias per gate
    biases = 2 if layer_type == "gru" else 1
    for _ in range(s["n_layers"]):
        total += directions * gates * (units * (width + units) + biases * units)
        width = directions * units
    if s["pooling"] == "attention":
        total += width  # one score weight per feature, no bias
    elif s["pooling"] == "max_mean":
        width *= 2
    total += width * n_outputs + n_outputs
    tables = 2 if s["ngram_prior"] is not None else 1  # weights (and priors)
    if s["linear_ngrams"]:
        total += tables * vocab_size * n_outputs
    if s["linear_ngrams"] >= 2:  # one hashed table for pairs and triples
        total += tables * s["ngram_buckets"] * n_outputs
    return total
