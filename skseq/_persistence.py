"""A save format for fitted skseq pipelines that is safe to load from anyone.

``joblib``/pickle files execute code by design: loading one from an
untrusted source is running that source's program. ``skseq.save`` writes a
zip archive instead:

- ``manifest.json``: the format version, library versions, and for each step
  its type (one of skseq's own estimators, nothing else), its parameters and
  its fitted state as plain JSON; each estimator describes and checks its own
  state (``_to_saved_state`` / ``_from_saved_state``);
- ``model.keras``: the classifier's Keras model in Keras' native format;
- ``checksums.json``: SHA-256 of both, to detect damage;
- ``signature.json`` (optional): an HMAC-SHA256 of ``checksums.json`` under a
  key of the user's, to detect tampering.

Loading never hands any part of ``model.keras`` to Keras: the classifier
rebuilds its model with skseq's own ``build_model`` from checked parameters,
and the weights member is checked object by object and read by skseq
(``_weights_file``), from memory. The configuration is still checked against an
allow-list, so a crafted file is refused with a reason. This module only
reads, bounds and checks the archive; it knows no estimator's internals.
"""

import hashlib
import hmac
import importlib
import importlib.metadata
import io
import json
import numbers
import os
import struct
import warnings
import zipfile
import zlib

from sklearn.pipeline import Pipeline

from ._errors import UnsafeModelFileError
from ._keras_files import model_to_bytes
from ._schema import params_to_saved

__all__ = ["save", "load", "UnsafeModelFileError", "LIMITS", "MAX_WEIGHTS_BYTES"]

FORMAT = "skseq-model"
FORMAT_VERSION = 8
# Versions load reads: 2 and 3 lack classifier settings added since (read as
# their defaults, the model such a file holds; 2 also lacks early-stopping
# scores); 4 predates multi-label classifiers and regressors (its classifier
# has n_outputs_ 1); 5 predates ngram_prior (read as None); 6 predates
# numeric sequences (its models read token ids); 7 predates the
# sequencer's analyzer, normalization and named segmenters (read as words,
# no normalisation, the regular expression) and n-gram orders 4 and 5. A
# new setting bumps the version, so an older skseq refuses a file whose
# model it would build wrong.
_READABLE_VERSIONS = (2, 3, 4, 5, 6, 7, 8)
_MiB = 1024**2

#: Size limits of :func:`load`, in bytes of *inflated* data (what a member
#: decompresses to, counted while it streams, never trusted from the zip
#: header). ``max_json_depth`` bounds nesting in both JSON documents. The
#: weights member may inflate to ``max_weights_bytes`` (an argument of
#: :func:`load`) plus ``weights_metadata``, and ``model.keras`` to that plus
#: its JSON members; each weights file is then held to its model's exact
#: size (``_weights_file``).
LIMITS = {
    "manifest.json": 64 * _MiB,
    "checksums.json": 4096,
    "signature.json": 4096,
    "model.keras/config.json": 4 * _MiB,
    "model.keras/metadata.json": 64 * 1024,
    "weights_metadata": 16 * _MiB,
    "max_json_depth": 64,
}
#: Default of ``load(max_weights_bytes=...)``: 64 million float32 weights, four
#: times a 100,000-word vocabulary with 300-dimensional vectors.
MAX_WEIGHTS_BYTES = 256 * _MiB
_OUTER = ("manifest.json", "checksums.json", "model.keras", "signature.json")
_INNER = ("config.json", "metadata.json", "model.weights.h5")
_CHUNK = _MiB

# Everything build_model can put in a Keras configuration, by module:
# checked against all 384 combinations of its settings, compiled with five
# optimizers, when the list was written.
_ALLOWED_NODES = {
    None: {"__keras_tensor__"},
    "keras": {"DTypePolicy"},
    "keras.layers": {"InputLayer", "Embedding", "Dropout", "Conv1D", "MaxPooling1D",
                     "LSTM", "GRU", "SimpleRNN", "Bidirectional", "Dense", "SpatialDropout1D",
                     "Add", "Activation"},
    "keras.initializers": {"GlorotUniform", "Orthogonal", "RandomUniform", "Zeros"},
    "keras.src.models.functional": {"Functional"},
    "keras.src.ops.core": {"Cast"},
    "keras.src.ops.numpy": {"ExpandDims", "Greater", "Multiply", "NotEqual", "Squeeze"},
    "keras.optimizers": {"Adam", "AdamW", "Adadelta", "Adafactor", "Adagrad", "Adamax",
                         "Ftrl", "Lamb", "Lion", "Nadam", "RMSprop", "SGD"},
    "skseq._layers": {"SplitMaskedRNN", "SequencePooling", "NgramLinear", "NumericSteps",
                      "StepMask"},
}
# Older spellings of allowed nodes: Keras 3.2 to at least 3.5 name the
# Orthogonal initializer OrthogonalInitializer (the lower-bounds CI run found it)
_RENAMED_NODES = {("keras.initializers", "OrthogonalInitializer"): "Orthogonal"}
_SKSEQ_REGISTERED = {"SplitMaskedRNN": "skseq>SplitMaskedRNN",
                     "SequencePooling": "skseq>SequencePooling",
                     "NgramLinear": "skseq>NgramLinear",
                     "NumericSteps": "skseq>NumericSteps", "StepMask": "skseq>StepMask"}
_ALLOWED_ACTIVATIONS = {"tanh", "sigmoid", "relu", "softmax", "linear"}


# --- steps ------------------------------------------------------------------
# skseq's steps, in the only order a pipeline may hold them, by module:
# imported when a file or pipeline names them, so transformer-only files
# load without TensorFlow.
_STEP_MODULES = {"IntegerSequencer": "._sequencer", "Padder": "._padding",
                 "LSTMSequenceClassifier": "._classifier",
                 "LSTMSequenceRegressor": "._regressor"}
# Position of each step in a pipeline: the estimator (either one) comes last.
_STEP_POSITIONS = {"IntegerSequencer": 0, "Padder": 1, "LSTMSequenceClassifier": 2,
                   "LSTMSequenceRegressor": 2}
_ESTIMATORS = ("LSTMSequenceClassifier", "LSTMSequenceRegressor")


def _step_type(name):
    if name in _ESTIMATORS:
        from ._tensorflow import import_tensorflow_quietly

        import_tensorflow_quietly()
    return getattr(importlib.import_module(_STEP_MODULES[name], __package__), name)


def _keras_version():
    # from the installed metadata: reading keras.__version__ would import
    # TensorFlow for a file of transformers
    return importlib.metadata.version("keras")


def _steps_of(estimator):
    steps = estimator.steps if isinstance(estimator, Pipeline) else [(None, estimator)]
    for step_name, step in steps:
        name = type(step).__name__
        if name not in _STEP_MODULES or _step_type(name) is not type(step):
            raise TypeError(
                f"skseq.save stores pipelines of skseq's own steps "
                f"({', '.join(_STEP_MODULES)}); step {step_name!r} is {name}. "
                "Use joblib for other estimators (and load such files only from "
                "trusted sources)."
            )
    return steps


# --- save -------------------------------------------------------------------
def save(estimator, path, *, key=None):
    """Save a fitted skseq pipeline (or estimator) in skseq's safe format.

    The file holds JSON and the Keras model's weights; loading it with
    :func:`load` runs no code from the file, unlike pickle/joblib.

    Parameters
    ----------
    estimator : Pipeline or skseq estimator
        A fitted :class:`~sklearn.pipeline.Pipeline` whose steps are
        :class:`IntegerSequencer`, :class:`Padder` and/or
        :class:`LSTMSequenceClassifier` or :class:`LSTMSequenceRegressor`
        (in that order), or one such estimator.
    path : str, path-like or binary file object
        Destination (conventionally ``*.skseq``).
    key : bytes or None, default=None
        If given, sign the archive with HMAC-SHA256 under this secret key;
        ``load(path, key=key)`` then refuses any file not signed with it.

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
    from . import __version__

    steps = _steps_of(estimator)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "versions": {"skseq": __version__, "keras": _keras_version()},
        "pipeline": isinstance(estimator, Pipeline),
        "steps": [],
    }
    members = {}
    for step_name, step in steps:
        state = step._to_saved_state()  # refuses what cannot be stored
        manifest["steps"].append({"name": step_name, "type": type(step).__name__,
                                  "params": params_to_saved(step), "state": state})
        if hasattr(step, "model_"):
            if "model.keras" in members:
                raise TypeError("skseq.save stores at most one estimator per pipeline")
            # load() never restores optimizer state, so none is written
            members["model.keras"] = model_to_bytes(step.model_, include_optimizer=False)
    members = {"manifest.json": json.dumps(manifest).encode(), **members}
    checksums = json.dumps({k: hashlib.sha256(v).hexdigest()
                            for k, v in members.items()}).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("checksums.json", checksums)
        if key is not None:
            archive.writestr("signature.json", json.dumps(
                {"hmac-sha256": _sign(key, checksums)}))


def _sign(key, data):
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise TypeError("key must be non-empty bytes")
    return hmac.new(bytes(key), data, hashlib.sha256).hexdigest()


# --- reading, bounded -------------------------------------------------------
def _describe(source):
    return repr(os.fspath(source)) if isinstance(source, (str, os.PathLike)) \
        else type(source).__name__


def _open_zip(source, what):
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, struct.error, zlib.error) as exc:
        raise UnsafeModelFileError(
            f"{what} is not a skseq model archive (or it is truncated): {exc}"
        ) from None


def _members(archive, allowed, what):
    """Map member name to ZipInfo; refuse duplicates and foreign names."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    unexpected = sorted(set(names) - set(allowed))
    if unexpected or len(names) != len(set(names)) or len(names) > len(allowed):
        raise UnsafeModelFileError(
            f"unexpected archive members in {what}: {unexpected or 'duplicated names'}")
    return {info.filename: info for info in infos}


def _stream(archive, info, limit):
    """Inflate one member chunk by chunk; stop as soon as it passes ``limit``.

    Returns ``(data, sha256 hex, size)``.
    """
    if info.file_size > limit:
        raise UnsafeModelFileError(f"member {info.filename} is too large "
                                   f"({info.file_size} bytes, limit {limit})")
    digest, size = hashlib.sha256(), 0
    # a BytesIO grows in place and hands its buffer over: no second copy
    buffer = io.BytesIO()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UnsafeModelFileError(
                        f"member {info.filename} inflates past its limit of {limit} "
                        "bytes")
                digest.update(chunk)
                buffer.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, struct.error, zlib.error) as exc:  # RuntimeError: encrypted
        raise UnsafeModelFileError(f"corrupt archive member {info.filename}: "
                                   f"{exc}") from None
    return buffer.getvalue(), digest.hexdigest(), size


def _parse_json(data, what):
    def refuse_constant(name):
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(data, parse_constant=refuse_constant)
    except RecursionError:
        raise UnsafeModelFileError(f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsafeModelFileError(f"{what} is not valid JSON: {exc}") from None
    stack = [(value, 1)]
    while stack:  # iterative: a depth check must not itself recurse
        node, depth = stack.pop()
        if depth > LIMITS["max_json_depth"]:
            raise UnsafeModelFileError(
                f"{what} is nested deeper than {LIMITS['max_json_depth']} levels")
        children = node.values() if isinstance(node, dict) else \
            node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return value


def _read_archive(source, key, max_weights_bytes):
    """Check the outer archive; return the manifest and model.keras' bytes."""
    what = _describe(source)
    with _open_zip(source, what) as archive:
        infos = _members(archive, _OUTER, what)
        if not {"manifest.json", "checksums.json"} <= set(infos):
            raise UnsafeModelFileError(f"{what} is not a skseq model archive "
                                       "(manifest.json or checksums.json missing)")
        raw_sums = _stream(archive, infos["checksums.json"], LIMITS["checksums.json"])[0]
        if key is not None:
            if "signature.json" not in infos:
                raise UnsafeModelFileError("the file is not signed, but a key was given")
            signature = _parse_json(_stream(archive, infos["signature.json"],
                                            LIMITS["signature.json"])[0], "signature.json")
            expected = _sign(key, raw_sums)
            if not (isinstance(signature, dict) and isinstance(
                    signature.get("hmac-sha256"), str) and hmac.compare_digest(
                    signature["hmac-sha256"], expected)):
                raise UnsafeModelFileError("signature does not match the key: the file "
                                           "was altered or signed with another key")
        checksums = _parse_json(raw_sums, "checksums.json")
        covered = set(infos) - {"checksums.json", "signature.json"}
        if not isinstance(checksums, dict) or set(checksums) != covered:
            raise UnsafeModelFileError("checksums do not cover the archive's members")
        manifest_bytes, digest, _ = _stream(archive, infos["manifest.json"],
                                            LIMITS["manifest.json"])
        digests = {"manifest.json": digest}
        model_bytes = None
        if "model.keras" in infos:
            # in memory: no temporary file for anyone to swap between check and use
            model_bytes, digests["model.keras"], _ = _stream(
                archive, infos["model.keras"], _model_keras_limit(max_weights_bytes))
    for name, digest in digests.items():
        if not hmac.compare_digest(str(checksums[name]), digest):
            raise UnsafeModelFileError(f"{name} was altered or corrupted (checksum "
                                       "mismatch)")
    return _parse_json(manifest_bytes, "manifest.json"), model_bytes


def _weights_limit(max_weights_bytes):
    return max_weights_bytes + LIMITS["weights_metadata"]


def _model_keras_limit(max_weights_bytes):
    return (_weights_limit(max_weights_bytes) + LIMITS["model.keras/config.json"]
            + LIMITS["model.keras/metadata.json"] + _MiB)


def _check_keras_archive(model_bytes, max_weights_bytes):
    """Bound and check the inner .keras archive; return the weights member's bytes."""
    with _open_zip(io.BytesIO(model_bytes), "model.keras") as inner:
        infos = _members(inner, _INNER, "model.keras")
        if "config.json" not in infos or "model.weights.h5" not in infos:
            raise UnsafeModelFileError("model.keras lacks config.json or "
                                       "model.weights.h5")
        config = _stream(inner, infos["config.json"],
                         LIMITS["model.keras/config.json"])[0]
        _check_keras_config(_parse_json(config, "model.keras config.json"))
        if "metadata.json" in infos:
            _stream(inner, infos["metadata.json"], LIMITS["model.keras/metadata.json"])
        return _stream(inner, infos["model.weights.h5"],
                       _weights_limit(max_weights_bytes))[0]


def _check_keras_config(config):
    """Refuse a Keras configuration naming anything build_model cannot produce.

    The configuration is never deserialised (the model is rebuilt from the
    manifest), so this is a second line of defence and the source of a clear
    message for crafted files.
    """
    stack = [(config, None)]
    while stack:
        node, key = stack.pop()
        if isinstance(node, dict):
            if "class_name" in node:
                _check_class_node(node)
            stack.extend((value, k) for k, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, key) for value in node)
        elif isinstance(key, str) and key.endswith("activation") and \
                node not in _ALLOWED_ACTIVATIONS:
            raise UnsafeModelFileError(f"model.keras names activation {node!r:.80}, "
                                       "which skseq's models never use; refusing to "
                                       "load")


def _check_class_node(node):
    module, cls = node.get("module"), node["class_name"]
    registered = node.get("registered_name")
    allowed = _ALLOWED_NODES.get(module, ()) if isinstance(module, (str, type(None))) \
        else ()  # a list or dict module name (fuzzing found one) names nothing
    if not isinstance(cls, str) or not allowed or \
            _RENAMED_NODES.get((module, cls), cls) not in allowed:
        raise UnsafeModelFileError(
            f"model.keras names {module}.{cls}"[:200] + ", outside Keras' own layers "
            "on skseq's allow-list; refusing to load")
    if registered not in (None, cls, _SKSEQ_REGISTERED.get(cls)) or (
            cls in _SKSEQ_REGISTERED and registered != _SKSEQ_REGISTERED[cls]):
        raise UnsafeModelFileError(f"model.keras names a custom object "
                                   f"{registered!r:.80}; refusing to load")


def _check_manifest(manifest):
    """The manifest's own structure (each step's content is its estimator's)."""
    expected = {"format", "format_version", "versions", "pipeline", "steps"}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UnsafeModelFileError("not a skseq model archive (wrong format tag)")
    if manifest.get("format_version") not in _READABLE_VERSIONS or \
            isinstance(manifest.get("format_version"), bool):
        raise UnsafeModelFileError(
            f"format version {manifest.get('format_version')!r:.40} is not supported "
            f"by this skseq (reads versions {', '.join(map(str, _READABLE_VERSIONS))}); "
            "re-save it with a "
            "matching skseq.")
    if set(manifest) != expected:
        raise UnsafeModelFileError(f"manifest fields must be {sorted(expected)}")
    versions, steps = manifest["versions"], manifest["steps"]
    if not isinstance(versions, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) < 64
            for k, v in versions.items()):
        raise UnsafeModelFileError("manifest 'versions' must map names to version "
                                   "strings")
    if not isinstance(manifest["pipeline"], bool):
        raise UnsafeModelFileError("manifest 'pipeline' must be true or false")
    types = list(_STEP_MODULES)
    if not isinstance(steps, list) or not 1 <= len(steps) <= 3 or (
            not manifest["pipeline"] and len(steps) != 1):
        raise UnsafeModelFileError("manifest 'steps' must list 1 to 3 steps (one "
                                   "for a single estimator)")
    positions = []
    for entry in steps:
        if not isinstance(entry, dict) or set(entry) != {"name", "type", "params",
                                                         "state"}:
            raise UnsafeModelFileError("each step must have exactly name, type, "
                                       "params and state")
        if entry["type"] not in types:
            raise UnsafeModelFileError(
                f"step type {entry['type']!r:.80} is not one of skseq's steps "
                f"({', '.join(types)}); refusing to load")
        name = entry["name"]
        if manifest["pipeline"] and not (isinstance(name, str) and 0 < len(name) <= 100
                                         and "__" not in name):
            raise UnsafeModelFileError(f"invalid pipeline step name {name!r:.80}")
        positions.append(_STEP_POSITIONS[entry["type"]])
    if positions != sorted(set(positions)):
        raise UnsafeModelFileError(f"steps must be distinct and in the order "
                                   "IntegerSequencer -> Padder -> "
                                   f"{' or '.join(_ESTIMATORS)}")
    if manifest["pipeline"] and len({e["name"] for e in steps}) != len(steps):
        raise UnsafeModelFileError("pipeline step names must be unique")
    saved_keras, keras_version = versions.get("keras", "?"), _keras_version()
    if saved_keras.split(".")[:2] != keras_version.split(".")[:2]:
        warnings.warn(f"model saved with Keras {saved_keras}, loading with "
                      f"{keras_version}: predictions may differ slightly.",
                      UserWarning, stacklevel=3)


def load(source, *, key=None, trust_token_pattern=False,
         max_weights_bytes=MAX_WEIGHTS_BYTES):
    """Load a pipeline saved by :func:`save`, executing nothing from the file.

    Safe for files from anyone: see "Loading files from strangers" in the
    user guide for what is guaranteed and the limits enforced.

    Parameters
    ----------
    source : str, path-like or binary file object
        A file written by :func:`save`.
    key : bytes or None, default=None
        The key the file was signed with (``save(..., key=key)``): files not
        signed with it are refused. ``None`` checks no signature.
    trust_token_pattern : bool, default=False
        Accept an :class:`IntegerSequencer` ``token_pattern`` outside
        :data:`skseq.SAFE_TOKEN_PATTERNS`. A crafted regular expression can
        make tokenising a short text take hours; only pass ``True`` for files
        you trust.
    max_weights_bytes : int, default=MAX_WEIGHTS_BYTES
        The largest model a file may describe, in bytes of float32 weights
        (default 256 MiB: 64 million weights). Checked from the manifest
        before anything is allocated; raise it for a file you expect to
        hold a larger model.

    Returns
    -------
    estimator : Pipeline or skseq estimator
        The fitted pipeline (or estimator); its predictions equal those of
        the saved one.

    Raises
    ------
    UnsafeModelFileError
        For every kind of bad file: not an archive, truncated, altered (or
        wrongly signed), over a size or nesting limit, naming anything
        outside skseq's allow-list, holding inconsistent fitted state, or
        weights that are not exactly the described model's (any HDF5
        object, dtype, storage or size outside what skseq writes, or
        values that are not finite). Nothing is written to disk but a
        small file of skseq's own (the weights layout of the described
        architecture, once per process), in a private folder removed at
        once.

    See Also
    --------
    save : Write the file.

    Notes
    -----
    A file saved by another skseq format version is refused; one saved with
    another Keras version loads with a warning. The classifier's optimizer
    state is not restored: a ``warm_start`` fit after loading starts a fresh
    optimizer from the loaded weights.

    Examples
    --------
    >>> from skseq import load
    >>> load("no-such-file.skseq")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skseq._errors.UnsafeModelFileError: 'no-such-file.skseq' is not a skseq model archive ...
    """
    if not (isinstance(source, (str, os.PathLike)) or hasattr(source, "read")):
        raise TypeError(f"source must be a path or a binary file object, not "
                        f"{type(source).__name__}")
    if isinstance(max_weights_bytes, bool) or not isinstance(
            max_weights_bytes, numbers.Integral) or max_weights_bytes < 1:
        raise ValueError(f"max_weights_bytes must be a positive int; got "
                         f"{max_weights_bytes!r}.")
    manifest, model_bytes = _read_archive(source, key, int(max_weights_bytes))
    _check_manifest(manifest)
    has_model = manifest["steps"][-1]["type"] in _ESTIMATORS
    if has_model != (model_bytes is not None):
        raise UnsafeModelFileError("model.keras must be present exactly when the "
                                   "file holds a classifier or regressor")
    context = {"trust_token_pattern": trust_token_pattern,
               "format_version": manifest["format_version"],
               "max_weights_bytes": int(max_weights_bytes)}
    if model_bytes is not None:
        context["weights"] = _check_keras_archive(model_bytes, int(max_weights_bytes))
        del model_bytes  # the weights member is all that is kept
    steps = [(entry["name"], _step_type(entry["type"])._from_saved_state(
                 entry["params"], entry["state"], context))
             for entry in manifest["steps"]]
    return Pipeline(steps) if manifest["pipeline"] else steps[0][1]
