"""Length-bucketed batches for padding-masked models.

With ``mask_padding=True`` the model's prediction does not depend on the
padding around a sequence, so the padding need not be computed at all:
sequences are left-aligned (padding moved to the end, the layout cuDNN's
masked kernels require), grouped with others of similar length, and each
batch is cut to its own longest sequence, rounded up to a multiple of
``BUCKET_STEP`` so the set of widths stays small.
"""

import math

import numpy as np
import tensorflow as tf

__all__ = ["left_align", "bucket_width", "training_batches", "make_dataset",
           "input_signature", "padding_value", "BUCKET_STEP"]

#: Batch widths are rounded up to a multiple of this many time steps.
BUCKET_STEP = 16
# Training draws a pool of this many batches at random, sorts the pool by
# length and cuts it into batches: similar lengths within a batch, fresh
# random batches every epoch.
_POOL_BATCHES = 32


def left_align(X):
    """Move the padding (id 0) of every row to its end, keeping token order.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, \
n_features)
        Padded ids, padding anywhere (``pre`` or ``post``); or numeric
        steps, whose padding steps are NaN.

    Returns
    -------
    aligned : ndarray of the shape of X
        Tokens first, padding last: ``X`` itself (not a copy) when its rows
        are already left-aligned (``Padder(padding='post')``).
    lengths : ndarray of shape (n_samples,)
        Number of non-padding tokens per row.
    """
    real = X != 0 if X.ndim == 2 else ~np.isnan(X[:, :, 0])
    lengths = real.sum(axis=1)
    slots = np.arange(X.shape[1]) < lengths[:, None]
    if np.array_equal(real, slots):
        return X, lengths  # nothing to move
    aligned = np.full_like(X, padding_value(X))
    # Both boolean masks enumerate positions row by row, left to right: the
    # i-th token of a row lands in the row's i-th slot (no sort needed).
    aligned[slots] = X[real]
    return aligned, lengths


def padding_value(X):
    """What pads a row of ``X``: id 0, or NaN for numeric steps (3-D)."""
    return np.nan if X.ndim == 3 else 0


def input_signature(step_features=0):
    """The model input's ``tf.TensorSpec``: any batch size and width; ids,
    or ``step_features`` floats per step."""
    if step_features:
        return tf.TensorSpec((None, None, step_features), tf.float32)
    return tf.TensorSpec((None, None), tf.int32)


def bucket_width(longest, full_width, multiple_of=1):
    """Round a batch's longest length up to the bucket grid (at least 1).

    The grid step is ``BUCKET_STEP`` rounded up to a multiple of
    ``multiple_of`` (the pooling size: a pooling window must never straddle
    the cut, or the cut would change the result).
    """
    step = math.lcm(BUCKET_STEP, multiple_of)
    width = -(-max(int(longest), 1) // step) * step
    return min(width, full_width)


def training_batches(lengths, batch_size, rng):
    """Index arrays of one epoch's batches: random, grouped by similar length.

    Parameters
    ----------
    lengths : ndarray of shape (n_samples,)
        Sequence lengths.
    batch_size : int
        Rows per batch.
    rng : numpy.random.RandomState
        Source of the epoch's randomness.

    Returns
    -------
    batches : list of ndarray
        Row indices of each batch, in random order.
    """
    order = rng.permutation(len(lengths))
    pool = batch_size * _POOL_BATCHES
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def make_dataset(X, y, sample_weight, lengths, batch_size, *, seed, shuffle,
                 multiple_of=1):
    """A ``tf.data`` pipeline of variable-width, length-bucketed batches.

    Every iteration (epoch) draws new batches. The explicit ``(None, None)``
    signature (``(None, None, n_features)`` for numeric steps) lets Keras
    trace one graph for all widths.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, \
n_features)
        Left-aligned ids, or left-aligned numeric steps (float32).
    y : ndarray
        Encoded targets.
    sample_weight : ndarray or None
        Per-sample weights.
    lengths : ndarray of shape (n_samples,)
        Sequence lengths.
    batch_size : int
        Rows per batch.
    seed : int or None
        Seed of the batch shuffling (None: fresh randomness).
    shuffle : bool
        Shuffle (training) or keep input order (validation).
    multiple_of : int, default=1
        See :func:`bucket_width`.

    Returns
    -------
    dataset : tf.data.Dataset
    """
    full = X.shape[1]
    y = np.asarray(y, dtype=np.float32)
    rng = np.random.RandomState(seed)

    def batches():
        if shuffle:
            index_sets = training_batches(lengths, batch_size, rng)
        else:
            index_sets = [np.arange(i, min(i + batch_size, len(X)))
                          for i in range(0, len(X), batch_size)]
        for idx in index_sets:
            width = bucket_width(lengths[idx].max(), full, multiple_of)
            item = (X[idx, :width], y[idx])
            yield item if sample_weight is None else item + (sample_weight[idx],)

    signature = (input_signature(X.shape[2] if X.ndim == 3 else 0),
                 tf.TensorSpec((None,) + y.shape[1:], tf.float32))
    if sample_weight is not None:
        signature += (tf.TensorSpec((None,), tf.float32),)
    dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
    # a known length lets Keras show progress and end epochs without warnings
    n_batches = -(-len(X) // batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(n_batches))
