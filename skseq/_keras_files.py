"""Keras models to bytes in Keras' native ``.keras`` format, and back.

Used by pickling (trusted files: Keras' own loader) and by ``skseq.save``
(which writes these bytes; ``skseq.load`` never hands them to Keras' config
loader, see ``_persistence``).
"""

import os
import tempfile

__all__ = ["model_to_bytes", "model_from_bytes"]


def model_to_bytes(model, include_optimizer=True):
    """Serialise a Keras model to the bytes of a ``.keras`` archive.

    ``include_optimizer=False`` writes the layers' weights only: the same
    layers in an uncompiled model, so Keras stores no optimizer variables
    (for Adam, twice the weights) that the reader would not restore.
    """
    if not include_optimizer:
        import keras

        model = keras.Model(model.input, model.output, name=model.name)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as handle:
            return handle.read()


def model_from_bytes(data):
    """Load a model from ``.keras`` bytes with Keras' loader (trusted data only)."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        return keras.saving.load_model(path, safe_mode=True)
