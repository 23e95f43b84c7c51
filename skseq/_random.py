"""Scoped seeding: seed everything for one fit, then put it all back."""

import contextlib
import random

import numpy as np
import tensorflow as tf

from ._fixes import disable_op_determinism, is_op_determinism_enabled, tf_global_seed

__all__ = ["seeded", "seed_from_random_state"]


def seed_from_random_state(random_state):
    """Turn an int / RandomState / None into an int seed or None.

    A ``RandomState`` is not advanced: the same instance gives the same seed.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        copy = np.random.RandomState()
        copy.set_state(random_state.get_state())
        return int(copy.randint(2**31 - 1))
    return int(random_state)


@contextlib.contextmanager
def seeded(seed):
    """Seed Python, NumPy and TensorFlow and make TensorFlow ops deterministic.

    On exit the previous random states, TensorFlow global seed and
    op-determinism switch are restored, so code after the ``with`` block is
    as random (and as fast) as before. ``seed=None`` does nothing.

    Parameters
    ----------
    seed : int or None
        The seed.
    """
    if seed is None:
        yield
        return
    py_state = random.getstate()
    np_state = np.random.get_state()
    tf_seed = tf_global_seed()
    determinism_was_on = is_op_determinism_enabled()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    tf.random.set_seed(seed)
    tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        tf.random.set_seed(tf_seed)
        if not determinism_was_on:
            disable_op_determinism()
