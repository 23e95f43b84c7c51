"""Padder: variable-length integer sequences to a fixed-width 2-D array."""

import array
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ._errors import UnsafeModelFileError
from ._fixes import Interval, StrOptions
from ._schema import check_int, field, params_from_file
from ._validation import check_sequences

__all__ = ["Padder"]

#: Widest ``maxlen_`` :func:`skseq.load` accepts from a file (a crafted
#: width would otherwise allocate gigabytes on the first prediction).
MAX_LOADED_MAXLEN = 100_000

#: Rows of a Python list converted and padded at a time. Converting 25,000
#: lists at once allocates ~150 MB of temporaries in fresh pages (slower
#: than the conversion itself on a VM); chunks this size reuse warm memory.
_CHUNK_ROWS = 256


class Padder(TransformerMixin, BaseEstimator):
    """Pad or truncate integer sequences to a common length.

    The parameters have the names and meaning of
    :func:`keras.utils.pad_sequences`, and the output is identical to it for
    every combination; every id is checked (the truncated ones included),
    each row's kept ids are copied into place as one block of bytes, and the
    learned width is kept for later ``transform`` calls.

    Parameters
    ----------
    maxlen : int or None, default=None
        Output width. ``None`` uses the longest sequence seen in ``fit``
        (at least 1), stored as ``maxlen_``.
    padding : {'pre', 'post'}, default='pre'
        Add padding before (``'pre'``) or after (``'post'``) each sequence.
        With ``'pre'`` the last real token sits at the last time step, next
        to the recurrent layer's output, which is what an unmasked LSTM
        learns best from.
    truncating : {'pre', 'post'}, default='pre'
        Drop tokens from the beginning (``'pre'``) or the end (``'post'``)
        of sequences longer than ``maxlen``.
    value : int or float, default=0
        Padding value; ``0`` is the padding index of
        :class:`IntegerSequencer`.
    dtype : str, default='int32'
        NumPy dtype of the output.

    Attributes
    ----------
    maxlen_ : int
        The width of the output.

    See Also
    --------
    IntegerSequencer : Produces the sequences this pads.
    keras.utils.pad_sequences : The Keras function with the same semantics.

    Examples
    --------
    >>> from skseq import Padder
    >>> Padder(maxlen=3).fit_transform([[1, 2], [3, 4, 5, 6]])
    array([[0, 1, 2],
           [4, 5, 6]], dtype=int32)
    >>> Padder(maxlen=3, padding="post", truncating="post").fit_transform(
    ...     [[1, 2], [3, 4, 5, 6]])
    array([[1, 2, 0],
           [3, 4, 5]], dtype=int32)
    """

    _parameter_constraints = {
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "value": [Real],
        "dtype": [str, type],
    }

    def __init__(self, *, maxlen=None, padding="pre", truncating="pre", value=0,
                 dtype="int32"):
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating
        self.value = value
        self.dtype = dtype

    def fit(self, X, y=None):
        """Validate the parameters and learn ``maxlen_`` if ``maxlen=None``.

        Parameters
        ----------
        X : list of sequences of int, 1-D object array of arrays, or 2-D array
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        self : Padder
            The fitted transformer.
        """
        self._fit(X, transform=False)
        return self

    def fit_transform(self, X, y=None):
        """Fit and pad in one pass over the data.

        Parameters
        ----------
        X : list of sequences of int, 1-D object array of arrays, or 2-D array
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        padded : ndarray of shape (n_sequences, width)
            The padded sequences; ``width`` is ``maxlen_``.
        """
        return self._fit(X, transform=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit(self, X, transform):
        _check_dtype(self.dtype)
        if transform and _in_chunks(X):
            width = self.maxlen
            if width is None:
                try:
                    width = max(max(map(len, X)), 1)
                except TypeError:  # a row without a length: the full check names it
                    check_sequences(X, owner="Padder")
                    raise
            padded = self._pad_in_chunks(X, width)
        else:
            values, lengths = check_sequences(X, owner="Padder")
            width = self.maxlen if self.maxlen is not None else max(int(lengths.max()), 1)
            padded = self._pad(values, lengths, width) if transform else None
        self.maxlen_ = width  # set only once every row is padded
        return padded

    def _pad(self, values, lengths, width):
        return pad(values, lengths, width, padding=self.padding,
                   truncating=self.truncating, value=self.value, dtype=self.dtype)

    def _pad_in_chunks(self, rows, width):
        # np.zeros maps fresh zeroed pages lazily: cheaper than filling
        out = (np.zeros if self.value == 0 else np.empty)((len(rows), width), self.dtype)
        try:
            for start in range(0, len(rows), _CHUNK_ROWS):
                chunk = rows[start:start + _CHUNK_ROWS]
                if not self._pad_int_lists(chunk, out[start:start + len(chunk)]):
                    # the general path checks and names the problem
                    out[start:start + len(chunk)] = self._pad(
                        *check_sequences(chunk, owner="Padder"), width)
        except (TypeError, ValueError):
            # the error named a row of the chunk: redo the whole input the
            # plain way, whose error names the row of X
            self._pad(*check_sequences(rows, owner="Padder"), width)
            raise
        return out

    def _pad_int_lists(self, rows, out):
        """Pad lists of ints straight into ``out``, else return False.

        The common case skips the general path's conversion to arrays. Every
        value counts, the truncated part included: each list is read whole
        by ``array.array`` in ``out``'s C type, which refuses anything but
        integers (floats, strings, None) and integers out of range. On False
        ``out`` is partly written and the general path, which accepts the
        row or names the problem, pads the chunk again. (Arrays take the
        general path: it is as fast for them.)
        """
        dtype = np.dtype(self.dtype)
        if dtype.kind not in "iu" or not isinstance(self.value, Integral) \
                or not np.iinfo(dtype).min <= self.value <= np.iinfo(dtype).max:
            return False
        flat = memoryview(out.reshape(-1))  # a view: out is a block of whole rows
        typecode = flat.format  # a native C type (array's typecode), or no fast path
        if typecode not in array.typecodes:
            return False
        if self.value != 0:  # out is zeros otherwise
            out[...] = self.value
        width = out.shape[1]
        keep_end, pad_start = self.truncating == "pre", self.padding == "pre"
        for i, row in enumerate(rows):
            if not isinstance(row, (list, tuple)):
                return False
            try:
                ids = array.array(typecode, row)
            except (TypeError, ValueError, OverflowError):
                return False
            if len(ids) > width:
                ids = ids[-width:] if keep_end else ids[:width]
            if ids:
                at = i * width + (width - len(ids) if pad_start else 0)
                flat[at:at + len(ids)] = ids  # a copy of bytes of one C type
        return True

    def transform(self, X):
        """Pad and truncate the sequences to ``maxlen_``.

        Parameters
        ----------
        X : list of sequences of int, 1-D object array of arrays, or 2-D array
            Sequences to pad.

        Returns
        -------
        padded : ndarray of shape (n_sequences, width)
            The padded sequences; ``width`` is ``maxlen_``.
        """
        check_is_fitted(self, "maxlen_")
        if _in_chunks(X):
            return self._pad_in_chunks(X, self.maxlen_)
        values, lengths = check_sequences(X, owner="Padder")
        return self._pad(values, lengths, self.maxlen_)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, one per time step.

        Also what makes ``set_output(transform="pandas")`` give a DataFrame.

        Parameters
        ----------
        input_features : None
            Ignored (sequences have no input column names).

        Returns
        -------
        names : ndarray of str of shape (maxlen_,)
            ``"t0"``, ``"t1"``, ...
        """
        check_is_fitted(self, "maxlen_")
        return np.array([f"t{i}" for i in range(self.maxlen_)], dtype=object)

    # --- safe format: this estimator's fitted state, described and checked
    def _to_saved_state(self):
        check_is_fitted(self, "maxlen_")
        return {"maxlen_": self.maxlen_}

    @classmethod
    def _from_saved_state(cls, params, state, context):
        owner = cls.__name__
        padder = params_from_file(cls, params)
        try:
            _check_dtype(padder.dtype)
        except ValueError as exc:
            raise UnsafeModelFileError(f"{owner}: {exc}") from None
        maxlen = check_int(field(state, "maxlen_", int, owner=owner), "maxlen_", 1,
                           MAX_LOADED_MAXLEN, owner=owner)
        if padder.maxlen is not None and padder.maxlen != maxlen:
            raise UnsafeModelFileError(f"{owner}: maxlen_ {maxlen} differs from "
                                       f"maxlen={padder.maxlen}")
        padder.maxlen_ = maxlen
        return padder


def _in_chunks(X):
    """Whether X is a long Python list (or tuple) of rows, padded in chunks."""
    return isinstance(X, (list, tuple)) and len(X) > _CHUNK_ROWS


def _check_dtype(dtype):
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        kind = None
    if kind not in ("i", "u", "f"):
        raise ValueError(
            f"The 'dtype' parameter of Padder must name a NumPy integer or float "
            f"dtype (e.g. 'int32'). Got {dtype!r:.60} instead."
        )


def _check_fits_dtype(values, lengths, value, dtype):
    """Refuse ids (or a padding value) the output dtype cannot hold exactly."""
    dtype = np.dtype(dtype)
    if values.size and values.dtype.kind == "f" and dtype.kind != "f":
        whole = np.isfinite(values) & (values == np.floor(values))
        if not whole.all():
            row = int(np.searchsorted(np.cumsum(lengths), np.argmin(whole), "right"))
            raise ValueError(f"Row {row} of X holds a non-integer value; Padder "
                             f"with dtype {dtype} needs integer ids.")
    if dtype.kind == "f":
        return
    info = np.iinfo(dtype)
    if values.size and values.dtype.kind == "f" and info.max > 2**53:
        # float64 holds every integer only up to 2**53: beyond, reading the
        # ids as floats has already rounded them
        inexact = np.abs(values) > 2**53
        if inexact.any():
            row = int(np.searchsorted(np.cumsum(lengths), np.argmax(inexact), "right"))
            raise ValueError(
                f"Row {row} of X holds id {values[np.argmax(inexact)].item()!r} as a "
                "float beyond 2**53, where floats cannot hold every integer; pass "
                "integer ids of one 64-bit dtype.")
    if not info.min <= value <= info.max:
        raise ValueError(f"Padding value {value!r} does not fit Padder's dtype {dtype}.")
    if values.dtype.kind in "iu" and np.can_cast(values.dtype, dtype):
        return  # every value fits by type (the common int32 -> int32 case)
    # Python ints: NumPy < 2 compares uint64 with int as floats
    if values.size and (int(values.min()) < info.min or int(values.max()) > info.max):
        bad = (values < info.min) | (values > info.max)
        if bad.any():
            row = int(np.searchsorted(np.cumsum(lengths), np.argmax(bad), "right"))
            raise ValueError(
                f"Row {row} of X holds id {values[np.argmax(bad)].item()!r}, which Padder's "
                f"dtype {dtype} cannot hold (range [{info.min}, {info.max}]); choose "
                "a wider dtype such as 'int64'.")


def pad(values, lengths, maxlen, *, padding="pre", truncating="pre", value=0,
        dtype="int32"):
    """Pad concatenated sequences into a ``(n, maxlen)`` array.

    Parameters
    ----------
    values : ndarray of shape (total_length,)
        The sequences concatenated.
    lengths : ndarray of shape (n,)
        Length of each sequence.
    maxlen : int
        Output width.
    padding, truncating : {'pre', 'post'}
        As in :class:`Padder`.
    value : int or float
        Padding value.
    dtype : str
        Output dtype.

    Returns
    -------
    padded : ndarray of shape (n, maxlen)
    """
    _check_fits_dtype(values, lengths, value, dtype)
    n = lengths.shape[0]
    # np.zeros maps fresh zeroed pages lazily: cheaper than filling
    out = np.zeros((n, maxlen), dtype) if value == 0 else np.full((n, maxlen), value, dtype)
    pad_start, keep_end = padding == "pre", truncating == "pre"
    if n and (lengths == lengths[0]).all():  # a 2-D array: one slice for every row
        kept = min(int(lengths[0]), maxlen)
        if kept:
            rows = values.reshape(n, -1)
            target = out[:, maxlen - kept:] if pad_start else out[:, :kept]
            target[...] = rows[:, -kept:] if keep_end else rows[:, :kept]
        return out
    # Each row's kept ids are one slice of values and one of out, copied as
    # bytes through memoryviews: no temporary the size of out, and dropped
    # ids are never copied. The cast is exact (checked above).
    size = out.itemsize
    src = memoryview(np.ascontiguousarray(values, dtype=out.dtype).view(np.uint8))
    dst = memoryview(out.reshape(-1).view(np.uint8))
    end = 0
    for i, length in enumerate(lengths.tolist()):
        start, end = end, end + length
        kept = min(length, maxlen)
        if kept:
            first = (end - kept if keep_end else start) * size
            at = (i * maxlen + (maxlen - kept if pad_start else 0)) * size
            dst[at:at + kept * size] = src[first:first + kept * size]
    return out
