import random

import numpy as np
import tensorflow as tf

from skseq._fixes import is_op_determinism_enabled
from skseq._random import seed_from_random_state, seeded


def test_seeded_restores_every_global_state():
    random.seed(123)
    np.random.seed(123)
    py, npy = random.getstate(), np.random.get_state()
    with seeded(5):
        assert is_op_determinism_enabled()
        inside = (random.random(), np.random.rand())
    assert not is_op_determinism_enabled()
    assert random.getstate() == py
    assert np.array_equal(np.random.get_state()[1], npy[1])
    with seeded(5):
        assert (random.random(), np.random.rand()) == inside
    tf.random.uniform(())  # unseeded random ops still work afterwards


def test_seed_none_is_a_no_op():
    state = random.getstate()
    with seeded(None):
        assert not is_op_determinism_enabled()
    assert random.getstate() == state


def test_seed_from_random_state():
    assert seed_from_random_state(None) is None
    assert seed_from_random_state(7) == 7
    rs = np.random.RandomState(0)
    first = seed_from_random_state(rs)
    assert seed_from_random_state(rs) == first  # not advanced
