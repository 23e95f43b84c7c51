"""Keras layers of skseq's own."""

import keras
from keras import ops

__all__ = ["SplitMaskedRNN", "SequencePooling", "NgramLinear", "NumericSteps", "StepMask",
           "POOLINGS"]

#: ``pooling`` values of :func:`~skseq._architectures.build_model`.
POOLINGS = ("last", "max", "mean", "max_mean", "attention")


@keras.saving.register_keras_serializable(package="skseq")
class SplitMaskedRNN(keras.layers.Layer):
    """Final state of a masked recurrent layer, computed in two passes.

    A masked Keras recurrent layer checks the mask at every time step. In a
    length-bucketed batch most steps are real for every row, so this layer
    runs the recurrent layer *without* a mask over the leading steps where
    every non-empty row has data, then *with* the mask over the remaining
    steps, starting from the first pass's state. Both passes share one cell,
    so the result is exactly that of the masked layer, bit for bit: a masked
    step leaves the state unchanged, an unmasked real step computes the same
    cell update. Empty rows give zeros, as in Keras.

    The first pass is long when rows are left-aligned (padding last), as
    skseq feeds them; with padding first it is empty and the layer is the
    masked layer plus a little bookkeeping. Any mask gives the exact result.

    Parameters
    ----------
    layer : keras.layers.RNN or dict
        The recurrent layer (``LSTM``, ``GRU``, ``SimpleRNN``) or its
        serialised form. It must return neither sequences nor states and use
        no dropout (each pass would draw its own dropout mask).
    bidirectional : bool, default=False
        Also run the layer backwards (with its own weights) and concatenate
        both final states, as ``keras.layers.Bidirectional`` does.
    **kwargs : dict
        Keras layer arguments (``name``, ...).
    """

    def __init__(self, layer, bidirectional=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(layer, dict):
            layer = keras.saving.deserialize_keras_object(layer)
        config = layer.get_config()
        if config.get("return_sequences") or config.get("return_state"):
            raise ValueError("SplitMaskedRNN needs a layer returning only its final output.")
        if config.get("dropout") or config.get("recurrent_dropout"):
            raise ValueError("SplitMaskedRNN needs a layer without dropout.")
        self.bidirectional = bidirectional
        self._layer_config = keras.saving.serialize_keras_object(layer)
        name = config["name"]
        self.forward_layer = type(layer).from_config(
            {**config, "return_state": True, "go_backwards": False,
             "name": f"forward_{name}"})
        self.backward_layer = type(layer).from_config(
            {**config, "return_state": True, "go_backwards": True,
             "name": f"backward_{name}"}) if bidirectional else None
        self.supports_masking = True
        # steps are sliced at a data-dependent point: no XLA
        self.supports_jit = False

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        if self.backward_layer is not None:
            self.backward_layer.build(input_shape)

    def call(self, inputs, mask=None, training=None):
        if mask is None:
            outputs = [self.forward_layer(inputs, training=training)[0]]
            if self.backward_layer is not None:
                outputs.append(self.backward_layer(inputs, training=training)[0])
            return _concatenate(outputs)
        mask = ops.cast(mask, "bool")
        # One padding step more guarantees the masked pass at least one step
        # (a Keras recurrent layer cannot run zero steps).
        inputs = ops.pad(inputs, [[0, 0], [0, 1], [0, 0]])
        mask = ops.pad(mask, [[0, 0], [0, 1]], constant_values=False)
        non_empty = ops.any(mask, axis=1)
        # steps real in every non-empty row, counted from the start
        all_real = ops.all(ops.logical_or(mask, ops.logical_not(non_empty)[:, None]), axis=0)
        head = ops.sum(ops.cumprod(ops.cast(all_real, "int32")))
        head = ops.minimum(head, ops.shape(inputs)[1] - 1)
        head_x, tail_x, tail_mask = inputs[:, :head], inputs[:, head:], mask[:, head:]
        batch = ops.shape(inputs)[0]

        forward = self.forward_layer
        states = ops.cond(
            head > 0,
            lambda: list(forward(head_x, training=training)[1:]),
            lambda: list(forward.get_initial_state(batch)),
        )
        # The final output equals the first state (h) for LSTM, GRU and
        # SimpleRNN; unlike the layer's output, it also holds for rows whose
        # real steps all lie in the first pass.
        outputs = [forward(tail_x, mask=tail_mask, initial_state=states,
                           training=training)[1]]
        if self.backward_layer is not None:
            backward = self.backward_layer
            states = list(backward(tail_x, mask=tail_mask, training=training)[1:])
            outputs.append(ops.cond(
                head > 0,
                lambda: backward(head_x, initial_state=states, training=training)[1],
                lambda: states[0],
            ))
        output = _concatenate(outputs)
        # an empty row went through the first pass unmasked: Keras gives zeros
        return ops.where(non_empty[:, None], output, ops.zeros_like(output))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        units = self.forward_layer.cell.units * (2 if self.bidirectional else 1)
        return (input_shape[0], units)

    def get_config(self):
        return {**super().get_config(), "layer": self._layer_config,
                "bidirectional": self.bidirectional}


def _concatenate(outputs):
    """Forward (and backward) final states side by side, as Bidirectional."""
    return ops.concatenate(outputs, axis=-1) if len(outputs) > 1 else outputs[0]


# Below any value a layer outputs: a masked step never wins a max (adding 0
# to a real step changes nothing, so real values stay exact).
_MASKED_OFFSET = 1e9


def time_sum(x):
    """Sum over the time axis (1), in step order whatever the width.

    ``ops.sum`` over an axis reduces in blocks whose grouping depends on the
    axis' length (measured on CPU: adding trailing zero steps changed the
    sum in most of 80 trials for widths of 1 to 200 features), so a padded
    row's result would depend on how much padding its batch carries. A
    cumulative sum adds the steps one after another, and the trailing zeros
    of padding add exactly nothing (0 differences in the same trials).
    """
    return ops.cumsum(x, axis=1)[:, -1]


@keras.saving.register_keras_serializable(package="skseq")
class SequencePooling(keras.layers.Layer):
    """One vector per sequence from a recurrent layer's outputs, mask-aware.

    Padding never enters the result: a masked step is never a maximum,
    never counted in a mean and gets attention weight exactly 0, so the
    pooled vector does not depend on how much padding surrounds a sequence.
    An all-padding row gives zeros.

    Parameters
    ----------
    mode : {'max', 'mean', 'max_mean', 'attention'}
        ``'max'`` / ``'mean'`` over the real steps; ``'max_mean'`` both,
        concatenated; ``'attention'`` a learned weighted average (a linear
        score per step, softmax over the real steps).
    **kwargs : dict
        Keras layer arguments (``name``, ...).
    """

    def __init__(self, mode, **kwargs):
        super().__init__(**kwargs)
        if mode not in POOLINGS[1:]:
            raise ValueError(f"mode must be one of {POOLINGS[1:]}; got {mode!r}")
        self.mode = mode
        self.supports_masking = True
        self.attention = keras.layers.Dense(1, use_bias=False, name="attention_score") \
            if mode == "attention" else None

    def build(self, input_shape):
        if self.attention is not None:
            self.attention.build(input_shape)

    def call(self, inputs, mask=None):
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        real = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)  # (batch, steps, 1)
        non_empty = ops.sum(real, axis=1) > 0  # (batch, 1)
        if self.mode == "attention":
            scores = self.attention(inputs) + (real - 1.0) * _MASKED_OFFSET
            # a softmax over the steps whose sums run in step order (time_sum)
            scores = ops.exp(scores - ops.max(scores, axis=1, keepdims=True)) * real
            weights = scores / ops.maximum(time_sum(scores)[:, None], 1e-30)
            pooled = time_sum(weights * inputs)
            return ops.where(non_empty, pooled, ops.zeros_like(pooled))
        parts = []
        if self.mode in ("max", "max_mean"):
            largest = ops.max(inputs + (real - 1.0) * _MASKED_OFFSET, axis=1)
            parts.append(ops.where(non_empty, largest, ops.zeros_like(largest)))
        if self.mode in ("mean", "max_mean"):
            count = ops.maximum(ops.sum(real, axis=1), 1.0)
            parts.append(time_sum(inputs * real) / count)
        return _concatenate(parts)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        width = input_shape[-1] * (2 if self.mode == "max_mean" else 1)
        return (input_shape[0], width)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


#: The n-gram orders ``NgramLinear`` reads.
_ORDERS = (1, 2, 3, 4, 5)


@keras.saving.register_keras_serializable(package="skseq")
class NgramLinear(keras.layers.Layer):
    """A linear model over a sequence's bag of n-grams, as logits.

    The "wide" part of a wide-and-deep model (Cheng et al. 2016), over the
    n-grams fastText reads (Joulin et al. 2017): every token has a learned
    weight per output and, with ``order=2``, so has every pair of adjacent
    tokens, the pair ``(a, b)`` hashed to row ``(a * vocab_size + b) mod
    buckets``; with ``order=3`` every run of three tokens ``(a, b, c)``
    too, in the same hashed table (as fastText shares its buckets), at row
    ``(row(a, b) * vocab_size + c) mod buckets``; orders 4 and 5 (for
    character tokens) hash runs of four and five the same way. The weights of a
    sequence's n-grams are summed and divided by the square root of its
    number of tokens (a bag of counts scaled to about unit norm, as TF-IDF
    is). The padding id 0 is never a token nor part of an n-gram, so the
    result does not depend on padding; an all-padding row gives zeros.

    Parameters
    ----------
    vocab_size : int
        Rows of the token weights: every id must be smaller.
    n_outputs : int
        Logits per sequence.
    order : {1, 2, 3, 4, 5}, default=2
        1: tokens only; 2: tokens and adjacent pairs; 3: also runs of three;
        4 and 5: also runs of four, and of five.
    buckets : int, default=2**20
        Rows of the hashed table of pairs (and longer runs), ``order>=2``.
    scale : float, default=1.0
        Multiplies the weights, which start at zero. Adam moves every weight
        by about its learning rate per step whatever the gradient's size,
        so ``scale`` is this layer's learning rate relative to the rest of
        the model's.
    prior : bool, default=False
        Give every row a fixed (non-trainable) factor per output, set after
        building (``unigram_prior``, ``bigram_prior``; ones until set): an
        n-gram's weight is ``scale * prior * weight``. With the naive Bayes
        log-count ratios of the training data as the prior (NBSVM's
        features, Wang and Manning 2012), Adam moves each n-gram's weight in
        proportion to how much its counts tell the classes apart: rare
        n-grams, which the data cannot tell apart, learn slowly and the
        head memorises less.
    **kwargs : dict
        Keras layer arguments (``name``, ...).
    """

    def __init__(self, vocab_size, n_outputs, order=2, buckets=2**20, scale=1.0,
                 prior=False, **kwargs):
        super().__init__(**kwargs)
        if order not in _ORDERS:
            raise ValueError(f"order must be 1, 2, 3, 4 or 5; got {order!r}")
        self.vocab_size, self.n_outputs = vocab_size, n_outputs
        self.order, self.buckets, self.scale, self.prior = order, buckets, scale, prior

    def build(self, input_shape):
        def table(rows, name, prior):
            return self.add_weight(shape=(rows, self.n_outputs), name=name,
                                   initializer="ones" if prior else "zeros",
                                   trainable=not prior)

        self.unigrams = table(self.vocab_size, "unigrams", False)
        # "bigrams": the hashed table, of pairs and (order 3) triples
        self.bigrams = table(self.buckets, "bigrams", False) if self.order >= 2 else None
        self.unigram_prior = table(self.vocab_size, "unigram_prior", True) \
            if self.prior else None
        self.bigram_prior = table(self.buckets, "bigram_prior", True) \
            if self.prior and self.order >= 2 else None

    def set_prior(self, ratios):
        """Set the fixed factors: one array per table (words, then the hashed one)."""
        for table, values in zip((self.unigram_prior, self.bigram_prior), ratios,
                                 strict=False):
            table.assign(values)

    def _weights_of(self, table, prior, rows):
        weights = ops.take(table, rows, axis=0)
        return weights if prior is None else weights * ops.take(prior, rows, axis=0)

    def call(self, ids, presence=None):
        """Logits of ``ids``; ``presence`` (same shape, default 1) weighs each
        position's token and its share in pairs (integrated gradients scale
        the tokens in with it; the length divisor stays the real count)."""
        ids = ops.cast(ids, "int32")
        real = ops.cast(ops.not_equal(ids, 0), self.compute_dtype)  # (batch, steps)
        count = ops.maximum(ops.sum(real, axis=1, keepdims=True), 1.0)
        if presence is not None:
            real = real * ops.cast(presence, self.compute_dtype)
        total = time_sum(self._weights_of(self.unigrams, self.unigram_prior, ids)
                         * real[..., None])
        ids64 = ops.cast(ids, "int64")  # vocab_size squared overflows int32
        rows, present = ids64, real
        for n in range(2, self.order + 1):  # the n-grams, by where they end
            present = present[:, :-1] * real[:, n - 1:]
            rows = ops.mod(rows[:, :-1] * self.vocab_size + ids64[:, n - 1:], self.buckets)
            total = total + time_sum(self._weights_of(self.bigrams, self.bigram_prior, rows)
                                     * present[..., None])
        return self.scale * total / ops.sqrt(count)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_outputs)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "n_outputs": self.n_outputs, "order": self.order,
                "buckets": self.buckets, "scale": self.scale, "prior": self.prior}


@keras.saving.register_keras_serializable(package="skseq")
class NumericSteps(keras.layers.Layer):
    """Numeric time steps in, standardised steps and their mask out.

    A padding step is all NaN (``Padder`` writes it; input checks refuse
    NaN anywhere else), so the mask is exact even where a real step is all
    zeros. Real steps are standardised with the per-feature mean and scale
    of the training steps (fixed, non-trainable weights set by ``fit``);
    padding steps become zeros, so whatever reads them unmasked (a
    convolution) sees nothing. Like ``Embedding(mask_zero=True)``, the
    layer hands the mask on to the layers after it.

    Parameters
    ----------
    n_features : int
        Features per time step.
    **kwargs : dict
        Keras layer arguments (``name``, ...).
    """

    def __init__(self, n_features, **kwargs):
        super().__init__(**kwargs)
        self.n_features = n_features

    def build(self, input_shape):
        self.mean = self.add_weight(shape=(self.n_features,), initializer="zeros",
                                    trainable=False, name="mean")
        self.scale = self.add_weight(shape=(self.n_features,), initializer="ones",
                                     trainable=False, name="scale")

    def set_statistics(self, mean, scale):
        """Set the per-feature mean and scale (``scale`` > 0)."""
        self.mean.assign(mean)
        self.scale.assign(scale)

    def call(self, inputs):
        real = ops.logical_not(ops.isnan(inputs))
        return ops.where(real, (inputs - self.mean) / self.scale, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "n_features": self.n_features}


@keras.saving.register_keras_serializable(package="skseq")
class StepMask(keras.layers.Layer):
    """The padding mask of NaN-padded numeric steps: True for real steps.

    For the convolution block, which drops Keras masks and needs the mask
    as a tensor (as ``not_equal(ids, 0)`` gives it for token ids).
    """

    def call(self, inputs):
        return step_mask(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape[:2]


def step_mask(steps):
    """True for the real steps of NaN-padded numeric input (batch, time)."""
    return ops.logical_not(ops.isnan(steps[..., 0]))
