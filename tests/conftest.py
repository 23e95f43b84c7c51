"""Shared fixtures: small slices of real review text."""

import numpy as np
import pytest

from skseq import IntegerSequencer, Padder
from skseq.datasets import load_imdb, load_rotten_tomatoes


@pytest.fixture(scope="session")
def rt_texts():
    """600 Rotten Tomatoes sentences (balanced) and their labels."""
    X, y = load_rotten_tomatoes(return_X_y=True)
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(X))[:600]
    return [X[i] for i in idx], y[idx]


@pytest.fixture(scope="session")
def imdb_texts():
    """200 raw IMDB reviews from the protocol training split."""
    X, y = load_imdb("train", return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="session")
def rt_post_padded(rt_texts):
    """The 600 sentences as ids (1,000 words), padded at the end to 30."""
    X, y = rt_texts
    ids = Padder(maxlen=30, padding="post").fit_transform(
        IntegerSequencer(num_words=1000).fit_transform(X))
    return ids, y
