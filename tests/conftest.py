"""Shared fixtures: small slices of real review text."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, Padder, save
from skseq.datasets import load_imdb, load_rotten_tomatoes
from skseq.experiments import SEED_ARCHITECTURE


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


@pytest.fixture(scope="module")
def small_pipeline(rt_texts):
    """A tiny fitted pipeline (300 words, maxlen 20, LSTM of 4) and 40 texts."""
    from skseq import LSTMSequenceClassifier  # TensorFlow only where it is used

    X, y = rt_texts
    pipe = make_pipeline(
        IntegerSequencer(num_words=300), Padder(maxlen=20, padding="post"),
        LSTMSequenceClassifier(**SEED_ARCHITECTURE,
                               units=4, embedding_dim=4, epochs=1, random_state=0),
    )
    return pipe.fit(X[:200], y[:200]), X[:40]


@pytest.fixture()
def small_file(small_pipeline, tmp_path):
    """``small_pipeline`` saved as a .skseq file (fresh for each test)."""
    path = tmp_path / "model.skseq"
    save(small_pipeline[0], path)
    return path
