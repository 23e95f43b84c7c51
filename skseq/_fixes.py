"""Version shims and workarounds, each with a note on when it can go.

Everything skseq does to compensate for its dependencies lives here (and,
for scikeras' classifier base, in ``_scikeras.py``), so that the rest of the
package reads as if the dependencies were perfect.
"""

# scikit-learn's declarative parameter validation is private API, but stable
# since 1.2 and used across scikit-learn-contrib (imbalanced-learn does the
# same). Drop the shim if scikit-learn ever makes it public.
from sklearn.utils._param_validation import Hidden, Interval, StrOptions

__all__ = ["Hidden", "Interval", "StrOptions", "is_op_determinism_enabled",
           "disable_op_determinism", "tf_global_seed", "build_training_state"]


# --- TensorFlow -----------------------------------------------------------
# TensorFlow exposes enable_op_determinism() but neither the query nor the
# undo, which a scoped switch needs. Remove when tf.config.experimental gains
# them publicly. Imported when called: importing skseq's transformers must
# not load TensorFlow.
def is_op_determinism_enabled():
    """Whether TensorFlow op determinism is on (False if unknowable)."""
    try:
        from tensorflow.python.framework.config import is_op_determinism_enabled as query
    except ImportError:  # pragma: no cover - other TensorFlow layouts
        return False
    return query()


def disable_op_determinism():
    """Undo ``tf.config.experimental.enable_op_determinism()``."""
    try:
        from tensorflow.python.framework.config import disable_op_determinism as undo
    except ImportError:  # pragma: no cover - other TensorFlow layouts
        return None
    return undo()


def tf_global_seed():
    """The TensorFlow global seed currently set (None if unset)."""
    try:
        from tensorflow.python.framework.random_seed import get_seed
    except ImportError:  # pragma: no cover - other TensorFlow layouts
        return None
    return get_seed(None)[0]


# --- Keras -----------------------------------------------------------------
# Keras' TensorFlow trainer creates the optimizer's slots and the metrics'
# variables inside the first trace of the train function (it builds them
# beforehand only under a distribution strategy). A tf.function that
# creates variables is traced a second time, which costs about a second of
# every fit (half its tracing; measured on a 4,000-review fit). Building the
# same state first, as Keras does under a strategy, leaves one trace and
# the same results. Remove when Keras builds before tracing without a
# strategy.
def build_training_state(model, x, y, sample_weight=None):
    """Create ``model``'s optimizer and metric variables before ``fit``.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    x, y, sample_weight : ndarray
        One batch (its shapes and dtypes only are used: nothing is
        computed on it).
    """
    build = getattr(model, "_symbolic_build", None)  # Keras 3.2 to 3.15 have it
    if build is not None:
        build(data_batch=(x, y, sample_weight))
