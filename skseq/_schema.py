"""Checks for fitted state read from an untrusted file.

Each skseq estimator describes its own fitted state for the safe format
(``_to_saved_state`` / ``_from_saved_state``); these helpers are the shared
vocabulary of those descriptions. Every violation is an
:class:`UnsafeModelFileError` naming the estimator and the field.
"""

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator

from ._errors import UnsafeModelFileError

__all__ = ["field", "check_int", "check_float_list",
           "params_from_file", "params_to_saved", "labels_to_saved",
           "labels_from_saved"]

#: Most class labels a saved classifier may have.
MAX_CLASSES = 10_000
#: What the safe format writes for a classifier's ``embeddings`` matrix: the
#: matrix is not repeated in the JSON, the model's embedding weights hold it.
EMBEDDINGS_IN_WEIGHTS = "in the model weights"


def _fail(owner, message):
    raise UnsafeModelFileError(f"{owner}: {message}")


def field(state, key, types, *, owner):
    """Return ``state[key]``, refusing a missing key or a value of another type.

    Parameters
    ----------
    state : dict
        Fitted state read from the file.
    key : str
        Field name.
    types : type or tuple of type
        Accepted types (``bool`` is never accepted where ``int`` is asked).
    owner : str
        Estimator name for the message.

    Returns
    -------
    value : object
    """
    if not isinstance(state, dict) or key not in state:
        _fail(owner, f"fitted state lacks {key!r}")
    value = state[key]
    types = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        _fail(owner, f"{key!r} must be {' or '.join(t.__name__ for t in types)}, "
                     f"not {type(value).__name__}")
    return value


def check_int(value, name, low, high, *, owner):
    """Refuse anything but an int in ``[low, high]``.

    Parameters
    ----------
    value : object
        The value read.
    name : str
        Field name for the message.
    low, high : int
        Inclusive bounds.
    owner : str
        Estimator name for the message.

    Returns
    -------
    value : int
    """
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        _fail(owner, f"{name} must be an int in [{low}, {high}], got {value!r:.60}")
    return value


def check_float_list(values, name, max_length, *, owner):
    """Refuse anything but a list of at most ``max_length`` finite numbers.

    Parameters
    ----------
    values : object
        The value read.
    name : str
        Field name for the message.
    max_length : int
        Longest list accepted.
    owner : str
        Estimator name for the message.

    Returns
    -------
    values : list of float
    """
    if not isinstance(values, list) or len(values) > max_length or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in values
    ):
        _fail(owner, f"{name} must be a list of at most {max_length} finite numbers")
    return [float(v) for v in values]


def params_from_file(cls, params, *, routed_prefixes=()):
    """Build ``cls(**params)`` from a file's parameters, checked.

    Only names of ``cls``'s signature (and ``prefix__name`` settings for the
    given prefixes) are accepted, values must be plain JSON scalars (or the
    ``class_weight`` pair list) and the result must pass the estimator's own
    parameter validation.

    Parameters
    ----------
    cls : type
        A skseq estimator class.
    params : dict
        Parameters read from the file.
    routed_prefixes : tuple of str, default=()
        Prefixes of routed settings the class accepts.

    Returns
    -------
    estimator : cls instance
        Unfitted, with the file's parameters.
    """
    owner = cls.__name__
    if not isinstance(params, dict):
        _fail(owner, "parameters must be a JSON object")
    # the signature's names (the classifier's own _get_param_names needs an
    # instance: it adds routed settings found on it)
    allowed = set(BaseEstimator._get_param_names.__func__(cls)) - {"routed_params"}
    out = {}
    for name, value in params.items():
        routed = "__" in name and name.split("__")[0] in routed_prefixes
        if name not in allowed and not routed:
            _fail(owner, f"{name!r} is not a parameter of {owner}")
        if name == "class_weight" and isinstance(value, dict):
            value = _pairs_to_dict(value, owner)
        elif value is not None and not isinstance(value, (bool, int, float, str)):
            _fail(owner, f"parameters are not plain values ({name!r})")
        out[name] = value
    estimator = cls(**out)
    try:
        estimator._validate_params()
    except (TypeError, ValueError) as exc:
        _fail(owner, f"invalid parameters: {exc}")
    return estimator


def _pairs_to_dict(value, owner):
    pairs = value.get("__pairs__")
    if set(value) != {"__pairs__"} or not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], (str, int, float, bool))
        and isinstance(p[1], (int, float)) and not isinstance(p[1], bool) for p in pairs
    ):
        _fail(owner, "class_weight must be a list of [class, weight] pairs")
    return {k: v for k, v in pairs}


def labels_to_saved(values):
    """Class labels as JSON: their kind and their values.

    Parameters
    ----------
    values : ndarray of shape (n_classes,)
        Labels of dtype int, uint, float, bool, str, or object holding str.

    Returns
    -------
    saved : dict
    """
    values = np.asarray(values)
    items = values.tolist()
    if values.dtype.kind in "iub":
        kind = "bool" if values.dtype.kind == "b" else "int"
    elif values.dtype.kind == "f":
        kind = "float"
    elif values.dtype.kind == "U" or all(isinstance(v, str) for v in items):
        kind = "str" if values.dtype.kind == "U" else "object_str"
    else:
        raise TypeError("class labels must be int, float, bool or str to be saved "
                        f"in the safe format; got dtype {values.dtype}")
    return {"kind": kind, "values": items}


def labels_from_saved(saved, *, owner):
    """Inverse of :func:`labels_to_saved`, refusing anything else.

    The dtype is derived from the values, never read from the file (a file
    cannot ask for a ``<U100000000`` array).

    Parameters
    ----------
    saved : dict
        As written by :func:`labels_to_saved`.
    owner : str
        Estimator name for the message.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted, unique labels.
    """
    kind = field(saved, "kind", str, owner=owner)
    values = field(saved, "values", list, owner=owner)
    if set(saved) != {"kind", "values"}:
        _fail(owner, "class labels must be given as exactly kind and values")
    python_type = {"int": int, "float": float, "bool": bool, "str": str,
                   "object_str": str}.get(kind)
    if python_type is None:
        _fail(owner, f"unknown label kind {kind!r}")
    if not 2 <= len(values) <= MAX_CLASSES:
        _fail(owner, f"a classifier needs 2 to {MAX_CLASSES} classes, got {len(values)}")
    if not all(type(v) is python_type or (python_type is float and type(v) is int)
               for v in values):
        _fail(owner, f"class labels must all be {kind}")
    if python_type is float and not all(math.isfinite(v) for v in values):
        _fail(owner, "class labels must be finite")
    if values != sorted(set(values)):
        _fail(owner, "class labels must be unique and sorted")
    if kind == "object_str":
        return np.array(values, dtype=object)
    return np.array(values, dtype=python_type)


def _json_scalar(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError


def params_to_saved(estimator):
    """An estimator's parameters as JSON (inverse of :func:`params_from_file`).

    Parameters holding Python objects (callbacks, ...) are stored as
    ``None`` with a warning; an optimizer instance or class is stored by its
    Keras name; an ``embeddings`` matrix by :data:`EMBEDDINGS_IN_WEIGHTS`.

    Parameters
    ----------
    estimator : skseq estimator

    Returns
    -------
    params : dict
    """
    params, dropped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if name == "class_weight" and isinstance(value, dict):
            value = {"__pairs__": [[_json_scalar(k), _json_scalar(v)]
                                   for k, v in value.items()]}
        elif name == "embeddings" and value is not None:
            value = EMBEDDINGS_IN_WEIGHTS
        elif name == "optimizer" and not isinstance(value, str):
            import keras

            value = keras.optimizers.serialize(
                value if not isinstance(value, type) else value()
            )["class_name"].lower()
        else:
            try:
                value = _json_scalar(value)
            except TypeError:
                dropped.append(name)
                value = None
        params[name] = value
    if dropped:
        warnings.warn(
            f"{type(estimator).__name__}: parameters {dropped} hold Python objects "
            "that the safe format does not store; they load as None (they only "
            "matter for refitting).", UserWarning, stacklevel=4,
        )
    return params
