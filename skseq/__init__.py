"""skseq: Keras recurrent text classifiers as scikit-learn estimators.

Importing skseq has no side effects: it seeds nothing, sets no environment
variable and changes no log level. It loads nothing heavy either: each
public name is imported on first use (PEP 562, as scikit-learn loads its
submodules). The transformers, ``skseq.metrics``, ``skseq.datasets``,
``skseq.embeddings``, :class:`LogCountRatioTransformer` and the safe
format for transformer-only files never load TensorFlow; only
:class:`LSTMSequenceClassifier`, :class:`LSTMSequenceRegressor` and
:mod:`skseq.serving` (:func:`to_keras`, :func:`export_saved_model`) import
Keras and TensorFlow. When one of them (or :func:`skseq.load`, or a
reference model's pipeline) imports TensorFlow first, the C++ start-up
lines TensorFlow prints (CUDA, oneDNN, absl) are hidden, unless the user
set ``TF_CPP_MIN_LOG_LEVEL`` (then it decides); the variable is left as
it was.
"""

import importlib

__version__ = "0.1.0"

__all__ = [
    "IntegerSequencer",
    "Padder",
    "LSTMSequenceClassifier",
    "LSTMSequenceRegressor",
    "LogCountRatioTransformer",
    "TrainingDivergedError",
    "save",
    "load",
    "UnsafeModelFileError",
    "PAD_INDEX",
    "OOV_INDEX",
    "SAFE_TOKEN_PATTERNS",
    "SEGMENTERS",
    "MAX_WEIGHTS_BYTES",
    "to_keras",
    "export_saved_model",
    "__version__",
]


# Public name -> the module defining it; each is imported on first access.
_LAZY = {
    "IntegerSequencer": "._sequencer",
    "OOV_INDEX": "._sequencer",
    "PAD_INDEX": "._sequencer",
    "SAFE_TOKEN_PATTERNS": "._sequencer",
    "SEGMENTERS": "._segmenters",
    "Padder": "._padding",
    "LSTMSequenceClassifier": "._classifier",  # the two that need TensorFlow
    "LSTMSequenceRegressor": "._regressor",
    "LogCountRatioTransformer": "._log_count_ratio",
    "TrainingDivergedError": "._errors",
    "UnsafeModelFileError": "._errors",
    "save": "._persistence",
    "load": "._persistence",
    "MAX_WEIGHTS_BYTES": "._persistence",
    "to_keras": ".serving",
    "export_saved_model": ".serving",
}


# The modules that import TensorFlow.
_NEEDS_TENSORFLOW = ("._classifier", "._regressor", ".serving")


def __getattr__(name):
    if name in _LAZY:
        if _LAZY[name] in _NEEDS_TENSORFLOW:
            from ._tensorflow import import_tensorflow_quietly

            import_tensorflow_quietly()
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'skseq' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
