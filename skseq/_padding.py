"""Padder: variable-length sequences (ids or numeric steps) to one fixed-width array."""

import array
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ._errors import UnsafeModelFileError
from ._fixes import Interval, StrOptions
from ._schema import check_int, field, params_from_file
from ._validation import check_numeric_rows, check_sequences, is_numeric_rows

__all__ = ["Padder"]

#: Widest ``maxlen_`` :func:`skseq.load` accepts from a file (a crafted
#: width would otherwise allocate gigabytes on the first prediction).
MAX_LOADED_MAXLEN = 100_000
#: Most features per numeric step a loaded file may declare.
MAX_LOADED_FEATURES = 4096

#: Rows of a Python list converted and padded at a time. Converting 25,000
#: lists at once allocates ~150 MB of temporaries in fresh pages (slower
#: than the conversion itself on a VM); chunks this size reuse warm memory.
_CHUNK_ROWS = 256


class Padder(TransformerMixin, BaseEstimator):
    """Pad or truncate sequences to a common length: token ids or numeric steps.

    The parameters have the names and meaning of
    :func:`keras.utils.pad_sequences`, and the output is identical to it for
    every combination; every id is checked (the truncated ones included),
    each row's kept ids are copied into place as one block of bytes, and the
    learned width is kept for later ``transform`` calls.

    **Numeric sequences** (sensor traces, telemetry): rows that are 2-D
    arrays of shape ``(t_i, n_features)`` (or one 3-D array) are padded
    along time into ``(n_samples, width, n_features)`` floats, with the
    same ``maxlen``, ``padding`` and ``truncating``. A padding step is all
    NaN, and every real value must be finite (checked, naming the row), so
    the padding is told from real steps exactly, even where a real step is
    all zeros; the estimators read NaN steps as their mask.

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
    value : int, float or None, default=None
        Padding value. ``None``: ``0`` for ids (the padding index of
        :class:`IntegerSequencer`), NaN for numeric steps, the only value
        numeric steps take (*Changed in 0.2*: was ``0``, the same output
        for ids).
    dtype : str or None, default=None
        NumPy dtype of the output. ``None``: ``'int32'`` for ids,
        ``'float32'`` for numeric steps, which take float dtypes only
        (*Changed in 0.2*: was ``'int32'``, the same output for ids).

    Attributes
    ----------
    maxlen_ : int
        The width of the output.
    n_step_features_ : int or None
        Features per time step of the numeric rows seen in ``fit``
        (``transform`` requires the same); ``None`` for token ids.

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
    >>> import numpy as np
    >>> Padder().fit_transform([np.zeros((1, 2)), np.ones((2, 2))])
    array([[[nan, nan],
            [ 0.,  0.]],
    <BLANKLINE>
           [[ 1.,  1.],
            [ 1.,  1.]]], dtype=float32)
    """

    _parameter_constraints = {
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "value": [Real, None],
        "dtype": [str, type, None],
    }

    def __init__(self, *, maxlen=None, padding="pre", truncating="pre", value=None,
                 dtype=None):
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
            Training sequences, or numeric sequences (rows of shape
            ``(t_i, n_features)``, or a 3-D array).
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
            Training sequences, or numeric sequences (rows of shape
            ``(t_i, n_features)``, or a 3-D array).
        y : None
            Ignored.

        Returns
        -------
        padded : ndarray of shape (n_sequences, width) or (n_sequences, width, \
n_features)
            The padded sequences; ``width`` is ``maxlen_``.
        """
        return self._fit(X, transform=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit(self, X, transform):
        if is_numeric_rows(X):
            dtype = self._numeric_dtype()
            steps, lengths = check_numeric_rows(X, owner="Padder")
            width = self.maxlen if self.maxlen is not None else int(lengths.max())
            padded = self._pad_steps(steps, lengths, width, dtype) if transform else None
            self.maxlen_ = width  # set only once every row is padded
            self.n_step_features_ = steps.shape[1]
            return padded
        _check_dtype(self._id_dtype())
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
        self.n_step_features_ = None
        return padded

    def _id_dtype(self):
        return "int32" if self.dtype is None else self.dtype

    def _id_value(self):
        return 0 if self.value is None else self.value

    def _numeric_dtype(self):
        """The output dtype for numeric steps, checked (NaN padding needs floats)."""
        dtype = "float32" if self.dtype is None else self.dtype
        _check_dtype(dtype)
        if np.dtype(dtype).kind != "f":
            raise ValueError(f"Padder got numeric sequences with dtype={self.dtype!r}; "
                             "numeric steps are padded with NaN, so dtype must be a "
                             "float dtype (or None: 'float32').")
        if self.value is not None and not np.isnan(self.value):
            raise ValueError(f"Padder got numeric sequences with value={self.value!r}; "
                             "numeric steps are padded with NaN (the padding mask: a "
                             "real step may be all zeros), so leave value=None.")
        return dtype

    def _pad(self, values, lengths, width):
        return pad(values, lengths, width, padding=self.padding,
                   truncating=self.truncating, value=self._id_value(),
                   dtype=self._id_dtype())

    def _pad_steps(self, steps, lengths, width, dtype):
        return pad_steps(steps, lengths, width, padding=self.padding,
                         truncating=self.truncating, dtype=dtype)

    def _pad_in_chunks(self, rows, width):
        # np.zeros maps fresh zeroed pages lazily: cheaper than filling
        out = (np.zeros if self._id_value() == 0 else np.empty)((len(rows), width),
                                                                 self._id_dtype())
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
        dtype, value = np.dtype(self._id_dtype()), self._id_value()
        if dtype.kind not in "iu" or not isinstance(value, Integral) \
                or not np.iinfo(dtype).min <= value <= np.iinfo(dtype).max:
            return False
        flat = memoryview(out.reshape(-1))  # a view: out is a block of whole rows
        typecode = flat.format  # a native C type (array's typecode), or no fast path
        if typecode not in array.typecodes:
            return False
        if value != 0:  # out is zeros otherwise
            out[...] = value
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
            Sequences to pad, or numeric sequences (rows of shape
            ``(t_i, n_features)``) when ``fit`` saw numeric sequences.

        Returns
        -------
        padded : ndarray of shape (n_sequences, width) or (n_sequences, width, \
n_features)
            The padded sequences; ``width`` is ``maxlen_``.
        """
        check_is_fitted(self, "maxlen_")
        features = getattr(self, "n_step_features_", None)
        if is_numeric_rows(X) or features is not None:
            if features is None:
                raise ValueError("Padder was fitted on token ids; X holds numeric "
                                 "sequences (2-D rows). Fit it on numeric sequences.")
            if not is_numeric_rows(X):
                raise ValueError(f"Padder was fitted on numeric sequences of {features} "
                                 "features per step; X holds 1-D rows (token ids?). "
                                 "Pass rows of shape (time steps, features).")
            steps, lengths = check_numeric_rows(X, owner="Padder")
            if steps.shape[1] != features:
                raise ValueError(f"X has {steps.shape[1]} features per step, but Padder "
                                 f"was fitted with {features}.")
            return self._pad_steps(steps, lengths, self.maxlen_, self._numeric_dtype())
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
        state = {"maxlen_": self.maxlen_}
        if getattr(self, "n_step_features_", None) is not None:
            state["n_step_features_"] = self.n_step_features_
        return state

    @classmethod
    def _from_saved_state(cls, params, state, context):
        owner = cls.__name__
        padder = params_from_file(cls, params)
        try:
            _check_dtype(padder._id_dtype())
        except ValueError as exc:
            raise UnsafeModelFileError(f"{owner}: {exc}") from None
        maxlen = check_int(field(state, "maxlen_", int, owner=owner), "maxlen_", 1,
                           MAX_LOADED_MAXLEN, owner=owner)
        if padder.maxlen is not None and padder.maxlen != maxlen:
            raise UnsafeModelFileError(f"{owner}: maxlen_ {maxlen} differs from "
                                       f"maxlen={padder.maxlen}")
        features = state.get("n_step_features_")
        if features is not None:
            features = check_int(features, "n_step_features_", 1, MAX_LOADED_FEATURES,
                                 owner=owner)
            try:
                padder._numeric_dtype()
            except ValueError as exc:
                raise UnsafeModelFileError(f"{owner}: {exc}") from None
        padder.maxlen_ = maxlen
        padder.n_step_features_ = features
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


def pad_steps(steps, lengths, maxlen, *, padding="pre", truncating="pre",
              dtype="float32"):
    """Pad concatenated numeric sequences into a NaN-padded 3-D array.

    Parameters
    ----------
    steps : ndarray of shape (total_steps, n_features)
        The sequences' steps, one sequence after the other (finite values).
    lengths : ndarray of shape (n,)
        Steps per sequence.
    maxlen : int
        Output width (time steps).
    padding, truncating : {'pre', 'post'}
        As in :class:`Padder`.
    dtype : str
        A float dtype.

    Returns
    -------
    padded : ndarray of shape (n, maxlen, n_features)
        Padding steps are all NaN.
    """
    n, features = lengths.shape[0], steps.shape[1]
    if steps.size and np.abs(steps).max() > np.finfo(dtype).max:
        row = int(np.searchsorted(np.cumsum(lengths), np.argmax(
            np.abs(steps).max(axis=1) > np.finfo(dtype).max), "right"))
        raise ValueError(f"Row {row} of X holds a value beyond the range of Padder's "
                         f"dtype {np.dtype(dtype)}.")
    out = np.full((n, maxlen, features), np.nan, dtype)
    pad_start, keep_end = padding == "pre", truncating == "pre"
    end = 0
    for i, length in enumerate(lengths.tolist()):
        start, end = end, end + length
        kept = min(length, maxlen)
        first = end - kept if keep_end else start
        at = maxlen - kept if pad_start else 0
        out[i, at:at + kept] = steps[first:first + kept]
    return out
