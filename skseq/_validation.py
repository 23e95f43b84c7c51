"""Input checks whose errors name the argument and the offending row.

Every public estimator funnels its input through these helpers so that bad
data fails early, with a message a user can act on, instead of deep inside
TensorFlow.
"""

import math

import numpy as np

from ._ragged import remembered_flat

__all__ = ["check_documents", "check_sequences", "check_id_matrix", "is_numeric_rows",
           "check_numeric_rows", "check_step_matrix"]


def _is_missing(value):
    """Return True for None and float NaN (how pandas marks a missing text)."""
    if value is None:
        return True
    return isinstance(value, float) and math.isnan(value)


def check_documents(X, *, owner):
    """Validate raw documents and return them as a list.

    Each document is either a string (``bytes`` are decoded as UTF-8) or a
    sequence of string tokens (a pre-tokenised document).

    Parameters
    ----------
    X : iterable of str, bytes or sequences of str
        The documents.
    owner : str
        Name of the estimator, used in error messages.

    Returns
    -------
    docs : list
        One entry per document: a ``str`` or a ``list`` of ``str`` tokens.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "Iterable over raw text documents expected, string object received."
        )
    if isinstance(X, dict):
        raise TypeError(
            f"{owner} expects a collection of documents, not a dict (iterating it "
            "would read its keys); pass the texts, e.g. list(d.values())."
        )
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # a DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"{owner} expects one column of texts; got a DataFrame with "
                f"{X.shape[1]} columns ({', '.join(map(str, X.columns[:5]))}). Select "
                "the text column, e.g. df['review']."
            )
        X = X.iloc[:, 0]  # iterating a frame would give its column names
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]  # a one-column array, as ColumnTransformer passes
    if isinstance(X, np.ndarray) and X.ndim != 1:
        raise ValueError(
            f"{owner} expects a 1-D collection of documents; got an array of "
            f"shape {X.shape}."
        )
    try:
        docs = list(X)
    except TypeError:
        raise TypeError(
            f"{owner} expects an iterable of documents (str or list of str "
            f"tokens); got {type(X).__name__}."
        ) from None
    if not docs:
        raise ValueError(f"{owner} received an empty collection of documents.")
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            continue
        if isinstance(doc, bytes):
            try:
                docs[i] = doc.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"Document {i} is bytes that are not valid UTF-8 ({exc.reason} "
                    f"at byte {exc.start}); decode it before passing it to {owner}."
                ) from None
            continue
        if _is_missing(doc):
            raise ValueError(
                f"Document {i} is missing ({doc!r}); {owner} needs a string for "
                f"every row. Drop or fill missing texts first."
            )
        if isinstance(doc, (list, tuple)) or (
            isinstance(doc, np.ndarray) and doc.ndim == 1 and doc.dtype.kind in "UO"
        ):
            tokens = list(doc)
            for j, tok in enumerate(tokens):
                if not isinstance(tok, str):
                    raise TypeError(
                        f"Document {i} is a token list whose token {j} is "
                        f"{type(tok).__name__} ({tok!r}); tokens must be str."
                    )
            docs[i] = tokens
            continue
        raise TypeError(
            f"Document {i} is {type(doc).__name__} ({doc!r:.60}); {owner} "
            f"expects a str or a list of str tokens per document."
        )
    return docs


def check_sequences(X, *, owner):
    """Validate integer sequences and return them flattened.

    Accepts a list (or 1-D object array) of 1-D sequences of possibly
    different lengths, or a 2-D numeric array.

    Parameters
    ----------
    X : list of sequences, 1-D object array of arrays, or 2-D array
        The sequences.
    owner : str
        Name of the estimator, used in error messages.

    Returns
    -------
    values : ndarray of shape (total_length,)
        All sequences concatenated.
    lengths : ndarray of shape (n_sequences,), dtype int64
        Length of each sequence.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{owner} expects a collection of integer sequences; got a string. "
            "Turn texts into sequences with IntegerSequencer first."
        )
    _refuse_sparse(X, owner, "a list of integer sequences or a dense 2-D array")
    if not isinstance(X, (np.ndarray, list, tuple)) and hasattr(X, "__array__"):
        X = np.asarray(X)  # array-likes (e.g. a pandas frame of ids)
    if isinstance(X, np.ndarray) and X.dtype == object:
        remembered = remembered_flat(X)  # IntegerSequencer's output, untouched
        if remembered is not None:
            return remembered
        if X.ndim == 2:
            X = _numeric_object_matrix(X, owner)
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 2:
            raise _not_2d(X, f"{owner} expects a 2-D array or a list of 1-D sequences")
        _check_numeric_dtype(X.dtype, owner, where="X")
        lengths = np.full(X.shape[0], X.shape[1], dtype=np.int64)
        if X.shape[0] == 0:
            raise ValueError(f"{owner} received 0 sequences.")
        _check_finite(X.reshape(-1), lengths, owner)
        return X.reshape(-1), lengths
    try:
        rows = list(X)
    except TypeError:
        raise TypeError(
            f"{owner} expects a collection of integer sequences; got "
            f"{type(X).__name__}."
        ) from None
    if not rows:
        raise ValueError(f"{owner} received 0 sequences.")
    # Fast path: one C-level pass; on any problem, rescan row by row so the
    # error can name the offending row.
    try:
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        values = np.concatenate(rows) if lengths.sum() else np.zeros(0, np.int32)
        if values.dtype.kind == "f" and values.size and np.abs(values).max() > 2**53:
            values = _concatenate_64_bit_ints(rows, values)
        # (a str row cannot pass: it either fails to concatenate or turns
        # the result's dtype into a string dtype)
        if values.ndim == 1 and values.dtype.kind in "iubf":
            _check_finite(values, lengths, owner)
            return values, lengths
    except (TypeError, ValueError):
        pass
    _explain_bad_row(rows, owner)
    raise TypeError(f"{owner} expects integer sequences.")  # pragma: no cover


def _concatenate_64_bit_ints(rows, values):
    """Integer rows NumPy joined as (rounded) floats, joined exactly if one
    64-bit dtype holds them all; else ``values`` unchanged.

    NumPy joins signed and uint64 ids as float64, which holds integers
    exactly only up to 2**53.
    """
    arrays = [np.asarray(row) for row in rows]
    if not all(a.dtype.kind in "iub" for a in arrays if a.size):
        return values  # real floats: the caller checks them
    for dtype in (np.int64, np.uint64):
        info = np.iinfo(dtype)
        # Python ints: NumPy < 2 compares uint64 with int as floats
        if all(not a.size or a.dtype.kind == "b" or np.can_cast(a.dtype, dtype)
               or info.min <= int(a.min()) and int(a.max()) <= info.max for a in arrays):
            return np.concatenate([a.astype(dtype) for a in arrays])
    return values


def _explain_bad_row(rows, owner):
    """Raise an error naming the first row that is not an integer sequence."""
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)):
            raise TypeError(
                f"Row {i} of X is a string ({row!r:.40}); {owner} expects integer "
                "sequences. Put an IntegerSequencer before it."
            )
        if _is_missing(row):
            raise ValueError(f"Row {i} of X is missing ({row!r}).")
        try:
            arr = np.asarray(row)
        except ValueError:
            raise ValueError(f"Row {i} of X is ragged; expected a 1-D sequence.") from None
        if arr.ndim != 1:
            raise ValueError(
                f"Row {i} of X must be a 1-D sequence; got shape {arr.shape}."
            )
        if arr.size and arr.dtype.kind not in "iubf":
            raise TypeError(
                f"Row {i} of X has dtype {arr.dtype}; {owner} expects integer ids. "
                "Put an IntegerSequencer before it."
            )


def _refuse_sparse(X, owner, expected):
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(f"Sparse input is not supported by {owner}: X must be {expected}.")


def _numeric_object_matrix(X, owner):
    """A 2-D object array of numbers as a numeric array (as check_array does)."""
    converted = np.array(X.tolist())
    if converted.dtype.kind in "iubf":
        return converted
    try:
        return X.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{owner} expects integer ids; X is an object array "
                        f"holding a non-number ({exc}).") from None


def _check_finite(values, lengths, owner):
    if values.dtype.kind != "f":
        return
    finite = np.isfinite(values)
    if not finite.all():
        row = int(np.searchsorted(np.cumsum(lengths), np.argmin(finite), "right"))
        raise ValueError(f"Input X contains NaN or infinity (first in row {row}); "
                         f"{owner} expects token ids.")


def _check_numeric_dtype(dtype, owner, where):
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported by {owner}: {where} must hold "
                         "token ids.")
    if dtype.kind not in "iubf":
        raise TypeError(
            f"{where} has dtype {dtype}; {owner} expects integer ids. Turn texts "
            "into sequences with IntegerSequencer and Padder first."
        )


def check_id_matrix(X, *, owner):
    """Validate a padded 2-D matrix of token ids for a Keras model.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps)
        Non-negative integer ids; floats are accepted only when every value
        is a whole number.
    owner : str
        Name of the estimator, used in error messages.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps), dtype int32
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{owner} expects a 2-D array of integer token ids; got a string. "
            "Put IntegerSequencer and Padder in front of it in a Pipeline."
        )
    _refuse_sparse(X, owner, "a dense 2-D array of token ids (the output of Padder)")
    if not isinstance(X, np.ndarray):
        try:
            X = np.asarray(X)
        except ValueError:
            raise ValueError(
                f"{owner} expects a 2-D array of integer token ids; X is ragged. "
                "Pad it to a common length with Padder first."
            ) from None
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported by {owner}: X must hold token ids.")
    if X.dtype.kind == "O":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if X.dtype.kind in "OUS":
        raise TypeError(
            f"{owner} expects a 2-D array of integer token ids; got dtype "
            f"{X.dtype}. Raw text must go through IntegerSequencer and Padder "
            "first: make_pipeline(IntegerSequencer(), Padder(), "
            f"{owner}())."
        )
    if X.dtype.kind == "b":
        raise TypeError(f"{owner} expects integer token ids; got a boolean array.")
    if X.dtype.kind not in "iuf":
        raise TypeError(f"{owner} expects integer token ids; got dtype {X.dtype}.")
    if X.ndim != 2:
        raise _not_2d(X, f"{owner} expects a 2-D array of shape (n_samples, n_timesteps)")
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            f"is required by {owner}."
        )
    if X.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of "
            f"1 is required by {owner} (X has no time steps)."
        )
    if X.dtype.kind == "f":
        finite = np.isfinite(X)
        if not finite.all():
            row = int(np.argwhere(~finite)[0, 0])
            raise ValueError(
                f"Input X contains NaN or infinity (first in row {row}); {owner} "
                "expects integer token ids."
            )
        if not np.array_equal(X, np.floor(X)):
            row = int(np.argwhere(X != np.floor(X))[0, 0])
            raise ValueError(
                f"Input X contains non-integer values (first in row {row}); "
                f"{owner} expects integer token ids."
            )
    if X.size and X.min() < 0:
        row = int(np.argwhere(X < 0)[0, 0])
        raise ValueError(
            f"Negative values in data passed to {owner}: X contains negative token "
            f"ids (first in row {row}); ids must be >= 0 (0 is padding)."
        )
    if X.size and X.max() > np.iinfo(np.int32).max:
        row = int(np.argwhere(X > np.iinfo(np.int32).max)[0, 0])
        raise ValueError(
            f"Input X contains token ids too large for int32 (first in row {row})."
        )
    return X.astype(np.int32, copy=False)


def _not_2d(X, expected):
    """The error for an array that is not 2-D, with a hint for a single row."""
    hint = (" Reshape your data with X.reshape(1, -1) if it holds a single sequence."
            if X.ndim == 1 else "")
    return ValueError(f"{expected}; got a {X.ndim}-D array of shape {X.shape}.{hint}")


# --- numeric sequences: rows of (time steps, features) floats

def is_numeric_rows(X):
    """Whether X holds numeric sequences: a 3-D array, or rows that are 2-D."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        return X.ndim == 3
    if isinstance(X, (str, bytes, dict)) or not hasattr(X, "__len__") or not len(X):
        return False
    try:
        first = X[0]
    except (TypeError, KeyError, IndexError):
        return False
    try:
        return np.ndim(first) == 2
    except ValueError:  # a ragged first row: the id checks name it
        return False


def check_numeric_rows(X, *, owner):
    """Validate numeric sequences and return them concatenated.

    Parameters
    ----------
    X : list of array-like of shape (t_i, n_features), or ndarray of shape \
(n_samples, t, n_features)
        The sequences: each row a 2-D array of finite numbers, at least one
        time step, every row with the same number of features.
    owner : str
        Name of the estimator, used in error messages.

    Returns
    -------
    steps : ndarray of shape (total_steps, n_features), dtype float64
        Every row's steps, one row after the other.
    lengths : ndarray of shape (n_sequences,), dtype int64
        Time steps per row.
    """
    _refuse_sparse(X, owner, "a list of (time steps, features) arrays")
    if isinstance(X, np.ndarray) and X.dtype != object:
        rows = list(X) if X.ndim == 3 else None
        if rows is None:
            raise ValueError(f"{owner} expects numeric sequences as a 3-D array "
                             f"(n_samples, time steps, features); got shape {X.shape}.")
    else:
        rows = list(X)
    if not rows:
        raise ValueError(f"{owner} received 0 sequences.")
    arrays, n_features = [], None
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)):
            raise TypeError(f"Row {i} of X is a string ({row!r:.40}); {owner} expects "
                            "numeric sequences of shape (time steps, features).")
        try:
            arr = np.asarray(row)
        except ValueError:
            raise ValueError(f"Row {i} of X is ragged: its time steps have different "
                             "numbers of features.") from None
        if arr.dtype == object:
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"Row {i} of X holds values that are not numbers; "
                                f"{owner} expects numeric steps.") from None
        if arr.dtype.kind not in "iuf":
            kind = "boolean" if arr.dtype.kind == "b" else str(arr.dtype)
            raise TypeError(f"Row {i} of X has dtype {kind}; {owner} expects real "
                            "numbers (floats or integers).")
        if arr.ndim != 2:
            hint = (" A univariate series is one feature per step: pass "
                    "row.reshape(-1, 1)." if arr.ndim == 1 else "")
            raise ValueError(f"Row {i} of X has shape {arr.shape}; {owner} expects "
                             f"2-D rows of shape (time steps, features).{hint}")
        if arr.shape[0] == 0:
            raise ValueError(f"Row {i} of X is empty (0 time steps); every numeric "
                             "sequence needs at least one step.")
        if n_features is None:
            n_features = arr.shape[1]
            if n_features == 0:
                raise ValueError(f"Row {i} of X has 0 features per step.")
        elif arr.shape[1] != n_features:
            raise ValueError(f"Row {i} of X has {arr.shape[1]} features per step but "
                             f"row 0 has {n_features}; every row needs the same "
                             "features.")
        arrays.append(arr)
    steps = np.concatenate(arrays).astype(np.float64, copy=False)
    lengths = np.fromiter((len(a) for a in arrays), np.int64, count=len(arrays))
    finite = np.isfinite(steps).all(axis=1)
    if not finite.all():
        at = int(np.argmin(finite))
        row = int(np.searchsorted(np.cumsum(lengths), at, "right"))
        step = at - int(lengths[:row].sum())
        raise ValueError(f"Row {row} of X holds NaN or infinity (time step {step}); "
                         f"{owner} needs finite values (NaN marks padding). Fill or "
                         "drop missing values first.")
    return steps, lengths


def check_step_matrix(X, *, owner):
    """Validate padded numeric sequences for a Keras model.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features)
        Numeric steps; padding steps are all NaN (as :class:`Padder`
        writes them), every other value finite.
    owner : str
        Name of the estimator, used in error messages.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features), dtype float32
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        raise TypeError(f"{owner} expects numeric steps; X has dtype {X.dtype}.")
    if X.shape[0] == 0 or X.shape[1] == 0 or X.shape[2] == 0:
        raise ValueError(f"{owner} needs at least one sample, time step and feature; "
                         f"X has shape {X.shape}.")
    with np.errstate(invalid="ignore"):
        if X.dtype.kind == "f" and X.itemsize > 4 and \
                (np.abs(X) > np.finfo(np.float32).max).any():
            row = int(np.argwhere(np.abs(X) > np.finfo(np.float32).max)[0, 0])
            raise ValueError(f"Row {row} of X holds infinity or a value beyond float32's "
                             f"range; {owner} needs finite float32 values.")
    X = X.astype(np.float32, copy=False)
    missing = np.isnan(X)
    partial = missing.any(axis=2) & ~missing.all(axis=2)
    if partial.any():
        row, step = (int(v) for v in np.argwhere(partial)[0])
        raise ValueError(f"Row {row} of X has NaN in some features of time step {step}; "
                         "NaN marks padding, which covers whole steps (fill missing "
                         "values first).")
    if np.isinf(X).any():
        row = int(np.argwhere(np.isinf(X))[0, 0])
        raise ValueError(f"Row {row} of X holds infinity; {owner} needs finite values.")
    empty = missing[:, :, 0].all(axis=1)
    if empty.any():
        raise ValueError(f"Row {int(np.argmax(empty))} of X has no real time step (every "
                         "step is NaN padding).")
    return X
