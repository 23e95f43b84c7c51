"""Naive Bayes log-count ratios of the n-gram head's rows, from padded ids."""

import numpy as np
import scipy.sparse as sp

__all__ = ["ngram_log_count_ratios"]

# Additive smoothing of the per-class counts, as LogCountRatioTransformer's
# default (and NBSVM's).
_ALPHA = 1.0


def _presence(rows, columns, keep, n_samples, n_columns):
    """Binary (n_samples, n_columns) CSR: 1 where a row holds the column."""
    matrix = sp.csr_matrix((np.ones(int(keep.sum()), np.float32),
                            (rows[keep], columns[keep])), shape=(n_samples, n_columns))
    matrix.data[:] = 1.0  # counted once per sequence, as NBSVM does
    return matrix


def ngram_log_count_ratios(X, Y, weights, *, vocab_size, order, buckets):
    """The log-count ratio of every row of ``NgramLinear``'s tables, per output.

    For output ``k``, the sequences with ``Y[:, k] == 1`` are the positive
    class and the others the negative one; each n-gram's ratio is

    .. math:: r = \\log \\frac{(\\alpha + p) / \\lVert \\alpha + p \\rVert_1}
                              {(\\alpha + q) / \\lVert \\alpha + q \\rVert_1}

    with ``p`` and ``q`` the (weighted) numbers of positive and negative
    sequences that contain it, as :class:`~skseq.LogCountRatioTransformer`
    computes from a binary document-term matrix. Rows no sequence holds
    (the padding id, unused buckets) get ``log(|alpha + q| / |alpha + p|)``,
    near 0.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps)
        Padded ids, 0 the padding.
    Y : ndarray of shape (n_samples, n_outputs)
        0/1 membership of each sequence in each output's positive class.
    weights : ndarray of shape (n_samples,) or None
        Per-sequence weights of the counts.
    vocab_size, order, buckets : int
        ``NgramLinear``'s: pairs and longer runs are hashed as it hashes them.

    Returns
    -------
    ratios : list of ndarray
        ``(vocab_size, n_outputs)`` for the words and, with ``order`` 2 to
        5, ``(buckets, n_outputs)`` for the hashed pairs (and longer runs),
        float32.
    """
    X = np.asarray(X, dtype=np.int64)
    n_samples, n_steps = X.shape
    Y = np.asarray(Y, dtype=np.float64)
    w = np.ones(n_samples) if weights is None else np.asarray(weights, dtype=np.float64)
    positive, negative = Y * w[:, None], (1.0 - Y) * w[:, None]
    rows = np.repeat(np.arange(n_samples), n_steps)
    tables = [_presence(rows, X.ravel(), X.ravel() > 0, n_samples, vocab_size)]
    if order >= 2:
        # the hashed table: pairs and longer runs, as NgramLinear hashes them
        real = X > 0
        columns, keep, hashed, present = [], [], X, real
        for n in range(2, order + 1):
            hashed = (hashed[:, :-1] * vocab_size + X[:, n - 1:]) % buckets
            present = present[:, :-1] & real[:, n - 1:]
            columns.append(hashed)
            keep.append(present)
        row_ids = [np.repeat(np.arange(n_samples), c.shape[1]) for c in columns]
        tables.append(_presence(np.concatenate(row_ids),
                                np.concatenate([c.ravel() for c in columns]),
                                np.concatenate([k.ravel() for k in keep]),
                                n_samples, buckets))
    ratios = []
    for table in tables:
        p = np.asarray(table.T @ positive) + _ALPHA
        q = np.asarray(table.T @ negative) + _ALPHA
        ratios.append((np.log(p / p.sum(axis=0)) - np.log(q / q.sum(axis=0)))
                      .astype(np.float32))
    return ratios
