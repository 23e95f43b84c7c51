"""A fitted model's prediction: compiled calls on fixed-size row chunks.

Shared by every estimator of the family (``skseq._base``): ``model.predict``
costs ~40 ms per call, a compiled direct call a few ms, and every row gets
the same computation whatever the rows predicted with it.
"""

import math

import numpy as np
import tensorflow as tf

from ._batching import bucket_width, input_signature, left_align, padding_value
from ._sequencer import OOV_INDEX

__all__ = ["compile_predictor", "width_multiple", "left_align_for", "map_oov"]

# Rows per call of the compiled prediction function. A call gets exactly
# _PREDICT_CHUNK rows, or _SMALL_CHUNK for a few rows (chunks are padded with
# empty rows). 64 rows amortise the per-call cost (1.5x the throughput of
# 32); 16 cost a third as much for one review. The float result of a row must
# never depend on the rows predicted with it, and CPU matrix kernels may
# round differently for different batch sizes (measured: 1 to 8 rows differ
# from 64 by ~1e-7; 16 matched on every architecture tried), so each model
# checks on a probe batch that 16-row and 64-row chunks agree bit for bit,
# and uses 64-row chunks only if they do not.
_PREDICT_CHUNK = 64
_SMALL_CHUNK = 16


class _Predictor:
    """A fitted model's prediction, run as a compiled call on row chunks.

    ``model.predict`` costs ~40 ms per call; a compiled direct call on a
    fixed-size chunk costs a few ms, and every row gets the same computation
    whatever the rows around it. A masked model reads left-aligned rows
    sorted by length, each chunk cut to its own (bucket-rounded) width;
    outputs come back in input order.

    Parameters
    ----------
    fn : tf.function
        The compiled model call, any batch size and width.
    architecture : dict
        The model's architecture settings (``mask_padding``, pooling).
    small_chunks : bool
        Whether 16-row chunks agree bit for bit with 64-row ones.
    """

    def __init__(self, fn, architecture, small_chunks):
        self.fn = fn
        self.architecture = architecture
        self.small_chunks = small_chunks

    def chunk_bounds(self, n):
        """(start, stop) of each chunk for n rows; the last may pass n."""
        bounds, start = [], 0
        while start < n:
            left = n - start
            # up to three small chunks cost less than one large (measured)
            size = _SMALL_CHUNK if self.small_chunks and left <= 3 * _SMALL_CHUNK \
                else _PREDICT_CHUNK
            bounds.append((start, start + size))
            start += size
        return bounds

    def __call__(self, X):
        """Model outputs for checked ids (OOV already mapped) or numeric steps."""
        n = X.shape[0]
        masked = self.architecture["mask_padding"]
        if masked:
            X, lengths = left_align_for(X, self.architecture)
            order = np.argsort(lengths, kind="stable")
            X, lengths = X[order], lengths[order]
        width = X.shape[1]
        bounds = self.chunk_bounds(n)
        short = bounds[-1][1] - n if bounds else 0
        if short:
            # empty rows (zero ids, NaN steps) fill the last chunk
            filler = np.full((short,) + X.shape[1:], padding_value(X), X.dtype)
            X = np.concatenate([X, filler])
        outputs = []
        for start, stop in bounds:
            chunk = X[start:stop]
            if masked:
                longest = lengths[start:stop].max(initial=1)
                chunk = chunk[:, :bucket_width(longest, width,
                                               width_multiple(self.architecture))]
            outputs.append(self.fn(tf.constant(chunk)).numpy())
        out = np.concatenate(outputs, axis=0)[:n]
        if masked:
            restored = np.empty_like(out)
            restored[order] = out
            out = restored
        return out


def compile_predictor(model, architecture, vocab_size):
    signature = input_signature(architecture.get("step_features", 0))

    @tf.function(input_signature=[signature], reduce_retracing=True)
    def predict_fn(x):
        return model(x, training=False)

    return _Predictor(predict_fn, architecture,
                      _small_chunk_agrees(predict_fn, architecture, vocab_size))


def _small_chunk_agrees(fn, architecture, vocab_size):
    """Whether 16-row chunks give the same bits as 64-row chunks here."""
    rng = np.random.RandomState(0)
    width = 2 * math.lcm(16, width_multiple(architecture))
    features = architecture.get("step_features", 0)
    if features:
        X = rng.standard_normal((_PREDICT_CHUNK, width, features)).astype(np.float32)
    else:
        X = rng.randint(0, vocab_size, size=(_PREDICT_CHUNK, width)).astype(np.int32)
    # rows of every length, padding last (as the masked model is fed)
    X[np.arange(width) >= rng.randint(1, width + 1, size=(_PREDICT_CHUNK, 1))] = \
        padding_value(X)
    whole = fn(tf.constant(X)).numpy()
    parts = np.concatenate([fn(tf.constant(X[i:i + _SMALL_CHUNK])).numpy()
                            for i in range(0, _PREDICT_CHUNK, _SMALL_CHUNK)])
    return bool(np.array_equal(whole, parts))


def width_multiple(architecture):
    return architecture["pool_size"] if architecture["conv_filters"] else 1


def left_align_for(X, architecture):
    """Left-align rows for the masked model; widen to whole pooling windows.

    Extra columns are padding, which the masked model ignores, so any input
    width works and no real step is lost to a partial window.
    """
    X, lengths = left_align(X)
    short = -X.shape[1] % width_multiple(architecture)
    if short:
        widths = ((0, 0), (0, short)) + ((0, 0),) * (X.ndim - 2)
        X = np.pad(X, widths, constant_values=padding_value(X))
    return X, lengths


def map_oov(X, vocab_size):
    """Ids at or above the embedding's size read as the out-of-vocabulary id.

    Numeric steps (``vocab_size`` None) are returned as they are.
    """
    if vocab_size is not None and X.size and X.max() >= vocab_size:
        X = np.where(X >= vocab_size, OOV_INDEX, X).astype(np.int32)
    return X
