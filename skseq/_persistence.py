"""A save format for fitted skseq pipelines that runs no code when loaded.

``joblib``/pickle files execute code by design: loading one from an
untrusted source is running that source's program. ``skseq.save`` writes a
zip archive instead:

- ``manifest.json``: the format version, library versions, and for each step
  its type (one of skseq's own estimators, nothing else), its parameters and
  its fitted state as plain JSON (vocabulary, ``maxlen_``, classes, ...);
- ``model.keras``: the Keras model in Keras' native format, loaded with
  ``safe_mode=True`` after its configuration has been checked against an
  allow-list of Keras modules (plus skseq's own layers);
- ``checksums.json``: SHA-256 of both, to catch truncated or altered files.

Nothing is unpickled and no name from the file is imported, so a crafted
archive can at worst be rejected.
"""

import hashlib
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np
from sklearn.pipeline import Pipeline

__all__ = ["save", "load", "UnsafeModelFileError"]

FORMAT = "skseq-model"
FORMAT_VERSION = 1
_MAX_MEMBER_BYTES = 2 * 1024**3
_KERAS_MODULES = ("keras.layers", "keras.initializers", "keras.regularizers",
                  "keras.constraints", "keras.src.models.functional",
                  "keras.src.ops.", "keras.optimizers", "keras.losses",
                  "keras.metrics", "keras.src.layers", "keras.models")
_FORBIDDEN_CLASSES = {"Lambda", "TFOpLambda", "SlicingOpLambda"}
# skseq's own layers, by module and registered name
_SKSEQ_LAYERS = {("skseq._layers", "skseq>SplitMaskedRNN")}


class UnsafeModelFileError(ValueError):
    """The file is not a valid skseq model archive (or names something unsafe)."""


# --- steps <-> JSON ---------------------------------------------------------
def _step_types():
    from ._classifier import LSTMSequenceClassifier
    from ._padding import Padder
    from ._sequencer import IntegerSequencer

    return {cls.__name__: cls for cls in (IntegerSequencer, Padder, LSTMSequenceClassifier)}


def _json_value(name, value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError(name)


def _params_to_json(estimator):
    params, dropped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if name == "class_weight" and isinstance(value, dict):
            params[name] = {"__pairs__": [[_json_value(name, k), _json_value(name, v)]
                                          for k, v in value.items()]}
            continue
        if name == "optimizer" and not isinstance(value, str):
            import keras

            params[name] = keras.optimizers.serialize(
                value if not isinstance(value, type) else value()
            )["class_name"].lower()
            continue
        try:
            params[name] = _json_value(name, value)
        except TypeError:
            dropped.append(name)
            params[name] = None
    if dropped:
        warnings.warn(
            f"{type(estimator).__name__}: parameters {dropped} hold Python objects "
            "that the safe format does not store; they load as None (they only "
            "matter for refitting).", UserWarning, stacklevel=4,
        )
    return params


def _params_from_json(params):
    out = dict(params)
    cw = out.get("class_weight")
    if isinstance(cw, dict) and "__pairs__" in cw:
        out["class_weight"] = {k: v for k, v in cw["__pairs__"]}
    return out


def _array_to_json(values):
    values = np.asarray(values)
    if values.dtype.kind not in "iufbUO":
        raise TypeError(f"cannot store labels of dtype {values.dtype}")
    items = [v.item() if hasattr(v, "item") else v for v in values.tolist()]
    if values.dtype.kind == "O" and not all(isinstance(v, (str, int, float, bool))
                                           for v in items):
        raise TypeError("class labels must be str, int, float or bool to be saved")
    return {"dtype": values.dtype.str if values.dtype.kind != "O" else "object",
            "values": items}


def _array_from_json(data):
    dtype = data["dtype"]
    if dtype == "object":
        return np.array(data["values"], dtype=object)
    if np.dtype(dtype).kind not in "iufbU":
        raise UnsafeModelFileError(f"unsupported label dtype {dtype!r}")
    return np.asarray(data["values"], dtype=dtype)


def _state_to_json(estimator):
    name = type(estimator).__name__
    if name == "IntegerSequencer":
        if estimator.tokenizer is not None:
            raise TypeError(
                "IntegerSequencer(tokenizer=...) holds a Python callable, which the "
                "safe format cannot store; use token_pattern, or joblib for "
                "trusted use."
            )
        return {"vocabulary_": estimator.vocabulary_,
                "word_counts_": estimator.word_counts_,
                "vocabulary_size_": estimator.vocabulary_size_}
    if name == "Padder":
        return {"maxlen_": estimator.maxlen_}
    return {
        "classes_": _array_to_json(estimator.classes_),
        "vocab_size_": estimator.vocab_size_,
        "n_features_in_": estimator.n_features_in_,
        "history_": estimator.history_,
    }


def _restore(cls, params, state, model):
    estimator = cls(**_params_from_json(params))
    name = cls.__name__
    if name == "IntegerSequencer":
        vocab = state["vocabulary_"]
        if not (isinstance(vocab, dict)
                and all(isinstance(k, str) and isinstance(v, int) and v >= 2
                        for k, v in vocab.items())):
            raise UnsafeModelFileError("IntegerSequencer vocabulary is malformed")
        estimator.vocabulary_ = vocab
        estimator.word_counts_ = {str(k): int(v) for k, v in state["word_counts_"].items()}
        estimator.vocabulary_size_ = int(state["vocabulary_size_"])
    elif name == "Padder":
        estimator.maxlen_ = int(state["maxlen_"])
    else:
        estimator._restore_fitted(
            model=model, classes=_array_from_json(state["classes_"]),
            vocab_size=int(state["vocab_size_"]),
            n_features_in=int(state["n_features_in_"]),
            history={str(k): [float(x) for x in v] for k, v in state["history_"].items()},
        )
    return estimator


# --- save -------------------------------------------------------------------
def _steps_of(estimator):
    types = _step_types()
    steps = estimator.steps if isinstance(estimator, Pipeline) else [(None, estimator)]
    for step_name, step in steps:
        if type(step).__name__ not in types or type(step) is not types[type(step).__name__]:
            raise TypeError(
                f"skseq.save stores pipelines of skseq's own steps "
                f"({', '.join(types)}); step {step_name!r} is {type(step).__name__}. "
                "Use joblib for other estimators (and load such files only from "
                "trusted sources)."
            )
    return steps


def save(estimator, path):
    """Save a fitted skseq pipeline (or estimator) in skseq's safe format.

    The file holds JSON and the Keras model in its native format; loading it
    with :func:`load` runs no code from the file, unlike pickle/joblib.

    Parameters
    ----------
    estimator : Pipeline or skseq estimator
        A fitted :class:`~sklearn.pipeline.Pipeline` whose steps are
        :class:`IntegerSequencer`, :class:`Padder` and/or
        :class:`LSTMSequenceClassifier`, or one such estimator.
    path : str or path-like
        Destination file (conventionally ``*.skseq``).

    Returns
    -------
    None

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> from skseq import IntegerSequencer, save, load
    >>> seq = IntegerSequencer().fit(["a good film", "a bad film"])
    >>> path = os.path.join(tempfile.mkdtemp(), "seq.skseq")
    >>> save(seq, path)
    >>> load(path).vocabulary_ == seq.vocabulary_
    True
    """
    import keras

    from . import __version__

    steps = _steps_of(estimator)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "versions": {"skseq": __version__, "keras": keras.__version__},
        "pipeline": isinstance(estimator, Pipeline),
        "steps": [],
    }
    model_bytes = None
    for step_name, step in steps:
        state = _state_to_json(step)
        manifest["steps"].append({"name": step_name, "type": type(step).__name__,
                                  "params": _params_to_json(step), "state": state})
        if hasattr(step, "model_"):
            if model_bytes is not None:
                raise TypeError("skseq.save stores at most one classifier per pipeline")
            with tempfile.TemporaryDirectory() as tmp:
                model_path = os.path.join(tmp, "model.keras")
                step.model_.save(model_path)
                with open(model_path, "rb") as handle:
                    model_bytes = handle.read()
    members = {"manifest.json": json.dumps(manifest).encode()}
    if model_bytes is not None:
        members["model.keras"] = model_bytes
    checksums = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("checksums.json", json.dumps(checksums))


# --- load -------------------------------------------------------------------
def _read_members(path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeModelFileError(
            f"{os.fspath(path)!r} is not a skseq model archive (or it is truncated): "
            f"{exc}"
        ) from None
    with archive:
        names = set(archive.namelist())
        allowed = {"manifest.json", "model.keras", "checksums.json"}
        if not names <= allowed or not {"manifest.json", "checksums.json"} <= names:
            raise UnsafeModelFileError(
                f"unexpected archive members: {sorted(names - allowed) or 'missing'}"
            )
        members = {}
        for info in archive.infolist():
            if info.file_size > _MAX_MEMBER_BYTES:
                raise UnsafeModelFileError(f"member {info.filename} is too large")
            try:
                members[info.filename] = archive.read(info.filename)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise UnsafeModelFileError(f"corrupt archive member: {exc}") from None
    try:
        checksums = json.loads(members.pop("checksums.json"))
    except ValueError:
        raise UnsafeModelFileError("checksums.json is not valid JSON") from None
    if set(checksums) != set(members):
        raise UnsafeModelFileError("checksums do not cover the archive's members")
    for name, data in members.items():
        if hashlib.sha256(data).hexdigest() != checksums[name]:
            raise UnsafeModelFileError(f"{name} was altered or corrupted (checksum "
                                       "mismatch)")
    return members


def _check_keras_config(model_bytes):
    """Reject a .keras archive whose config names anything outside Keras."""
    try:
        with zipfile.ZipFile(io.BytesIO(model_bytes)) as inner:
            config = json.loads(inner.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnsafeModelFileError(f"model.keras is not a Keras model: {exc}") from None

    def walk(node):
        if isinstance(node, dict):
            if "class_name" in node:
                _check_class_node(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)


def _check_class_node(node):
    """Refuse one serialised object unless it is Keras' own or skseq's layer."""
    module, cls = node.get("module"), node["class_name"]
    registered = node.get("registered_name")
    if cls in _FORBIDDEN_CLASSES:
        raise UnsafeModelFileError(f"model.keras contains a {cls} layer "
                                   "(arbitrary code); refusing to load")
    if (module, registered) in _SKSEQ_LAYERS:
        return
    if module is not None and not (module == "keras" or module.startswith(_KERAS_MODULES)):
        raise UnsafeModelFileError(f"model.keras names {module}.{cls}, outside Keras' own "
                                   "layers; refusing to load")
    if registered not in (None, cls) and "keras" not in str(registered).lower():
        raise UnsafeModelFileError(f"model.keras names a custom object {registered!r}")


def _load_keras(model_bytes):
    import keras

    _check_keras_config(model_bytes)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        with open(model_path, "wb") as handle:
            handle.write(model_bytes)
        try:
            return keras.saving.load_model(model_path, safe_mode=True)
        except Exception as exc:
            raise UnsafeModelFileError(f"Keras could not load model.keras safely: "
                                       f"{exc}") from None


def load(path):
    """Load a pipeline saved by :func:`save`, executing nothing from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    estimator : Pipeline or skseq estimator
        The fitted pipeline (or estimator); its predictions equal those of
        the saved one.

    Raises
    ------
    UnsafeModelFileError
        If the file is truncated, altered, not a skseq archive, names a type
        other than skseq's own steps, or holds a Keras model with layers from
        outside Keras.

    See Also
    --------
    save : Write the file.

    Notes
    -----
    A file saved by another skseq format version is refused; one saved with
    another Keras version loads with a warning.

    Examples
    --------
    >>> from skseq import load
    >>> load("no-such-file.skseq")
    Traceback (most recent call last):
    ...
    skseq._persistence.UnsafeModelFileError: 'no-such-file.skseq' is not a skseq model archive (or it is truncated): [Errno 2] No such file or directory: 'no-such-file.skseq'
    """
    import keras

    members = _read_members(path)
    try:
        manifest = json.loads(members["manifest.json"])
    except ValueError:
        raise UnsafeModelFileError("manifest.json is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UnsafeModelFileError("not a skseq model archive (wrong format tag)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise UnsafeModelFileError(
            f"format version {manifest.get('format_version')!r} is not supported by "
            f"this skseq (reads version {FORMAT_VERSION}); re-save it with a "
            "matching skseq."
        )
    saved_keras = manifest.get("versions", {}).get("keras", "?")
    if saved_keras.split(".")[:2] != keras.__version__.split(".")[:2]:
        warnings.warn(f"model saved with Keras {saved_keras}, loading with "
                      f"{keras.__version__}: predictions may differ slightly.",
                      UserWarning, stacklevel=2)
    types = _step_types()
    model = _load_keras(members["model.keras"]) if "model.keras" in members else None
    steps = []
    try:
        for entry in manifest["steps"]:
            cls = types.get(entry["type"]) if isinstance(entry["type"], str) else None
            if cls is None:
                raise UnsafeModelFileError(
                    f"step type {entry['type']!r} is not one of skseq's steps "
                    f"({', '.join(types)}); refusing to load")
            if not all(isinstance(v, (str, int, float, bool, type(None), dict))
                       for v in entry["params"].values()):
                raise UnsafeModelFileError(f"{entry['type']} parameters are not plain "
                                           "values")
            steps.append((entry["name"], _restore(cls, entry["params"], entry["state"],
                                                  model)))
    except UnsafeModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnsafeModelFileError(f"malformed manifest: {exc!r}") from None
    if manifest.get("pipeline"):
        return Pipeline(steps)
    if len(steps) != 1:
        raise UnsafeModelFileError("malformed manifest: expected one estimator")
    return steps[0][1]
