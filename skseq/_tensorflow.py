"""Import TensorFlow without its C++ start-up lines (CUDA, oneDNN, absl)."""

import os
import sys
import tempfile

__all__ = ["import_tensorflow_quietly"]

_LEVEL = "TF_CPP_MIN_LOG_LEVEL"


def import_tensorflow_quietly():
    """Import TensorFlow, hiding the notices it prints while it starts.

    Unless the user set ``TF_CPP_MIN_LOG_LEVEL`` themselves, or TensorFlow
    is already imported: then their choice (or TensorFlow's state) stands.
    Some notices are printed before TensorFlow reads the variable, or at
    error level when it first looks for a GPU, so standard error is
    captured during the import and the device search, and shown after all
    if they fail. TensorFlow reads the level once, at its first message, so
    the variable is removed again afterwards: the process stays quiet and
    the environment its subprocesses inherit is the user's.
    """
    if _LEVEL in os.environ or "tensorflow" in sys.modules:
        return
    # 3, not 2: on CPUs without some AVX-512 parts oneDNN logs its fallback
    # for boolean ops at error level at the first masked prediction
    # (failures still reach the user as Python exceptions)
    os.environ[_LEVEL] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as captured:
            os.dup2(captured.fileno(), 2)
            try:
                import tensorflow as tf

                tf.config.list_physical_devices()
            except BaseException:
                os.dup2(saved, 2)
                captured.seek(0)
                sys.stderr.buffer.write(captured.read())
                raise
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.environ.pop(_LEVEL, None)
