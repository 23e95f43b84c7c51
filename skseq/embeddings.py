"""Word vectors aligned to a fitted :class:`~skseq.IntegerSequencer`.

Pass the matrix to ``LSTMSequenceClassifier(embeddings=...)`` to start the
embedding from pretrained vectors (GloVe, word2vec, fastText files, read by
:func:`load_word_vectors`) or from vectors learnt on your own unlabelled
text (:func:`cooccurrence_vectors`) instead of random ones. Nothing here
imports TensorFlow.
"""

import gzip
import io
import os
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_is_fitted

__all__ = ["load_word_vectors", "cooccurrence_vectors"]

_MISSING = ("random", "zeros")


def load_word_vectors(source, sequencer, *, missing="random", random_state=None,
                      encoding="utf-8"):
    """Read word vectors and align them to a fitted sequencer's ids.

    Parameters
    ----------
    source : str, path-like or dict of str to array-like
        A text file of word vectors, one word per line followed by its
        numbers separated by spaces: the GloVe format, or word2vec's text
        format (its first line, ``n_words dim``, is recognised and checked).
        A name ending in ``.gz`` is read through gzip. Or an already loaded
        mapping of word to vector. Words are matched exactly against the
        sequencer's vocabulary (which is lowercased by default, like GloVe).
    sequencer : IntegerSequencer
        A fitted sequencer: row ``i`` of the result is the vector of the word
        whose id is ``i``.
    missing : {'random', 'zeros'}, default='random'
        Rows of vocabulary words without a vector: drawn from a normal
        distribution with the found vectors' mean and standard deviation
        (per dimension), so they start on the same scale as the others, or
        zeros.
    random_state : int, RandomState instance or None, default=None
        Seed for ``missing='random'``.
    encoding : str, default='utf-8'
        Encoding of the file.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``matrix``: float32 array of shape ``(sequencer.vocab_size_, dim)``;
        row 0 (padding) is zeros, row 1 (out-of-vocabulary words) is the
        mean of the found vectors. ``found``: bool array, which rows came
        from ``source``. ``n_found``: how many vocabulary words had a
        vector. ``dim``: the vector size.

    Raises
    ------
    ValueError
        An empty source, a line with a different number of values than the
        first (its line number is named), a header whose dimension does not
        match, a value that is not a number, or no vocabulary word found.
    sklearn.exceptions.NotFittedError
        The sequencer is not fitted.

    See Also
    --------
    LSTMSequenceClassifier : ``embeddings`` and ``trainable_embeddings``.

    Notes
    -----
    GloVe vectors (``glove.6B.100d.txt`` and others) are published by the
    Stanford NLP group, fastText vectors (``.vec`` files, word2vec text
    format) by Meta AI; download them yourself, skseq never downloads
    anything.

    Examples
    --------
    >>> from skseq import IntegerSequencer
    >>> from skseq.embeddings import load_word_vectors
    >>> seq = IntegerSequencer().fit(["a good film", "a bad film"])
    >>> vectors = {"good": [1.0, 0.0], "bad": [-1.0, 0.0], "film": [0.0, 1.0]}
    >>> wv = load_word_vectors(vectors, seq, missing="zeros")
    >>> wv.matrix.shape, wv.n_found
    ((6, 2), 3)
    >>> wv.matrix[seq.vocabulary_["good"]].tolist()
    [1.0, 0.0]
    """
    check_is_fitted(sequencer, "vocabulary_")
    if missing not in _MISSING:
        raise ValueError(f"missing must be one of {_MISSING}; got {missing!r}.")
    vocabulary = sequencer.vocabulary_
    if isinstance(source, dict):
        vectors, dim = _from_mapping(source, vocabulary)
    elif isinstance(source, (str, os.PathLike)):
        vectors, dim = _from_file(os.fspath(source), vocabulary, encoding)
    else:
        raise TypeError(f"source must be a path or a dict of word to vector, not "
                        f"{type(source).__name__}.")
    if not vectors:
        raise ValueError(f"None of the sequencer's {len(vocabulary):,} words has a "
                         "vector in the source: check the language, the case "
                         "(the sequencer lowercases by default) and the file.")
    matrix = np.zeros((sequencer.vocab_size_, dim), dtype=np.float32)
    found = np.zeros(sequencer.vocab_size_, dtype=bool)
    for word, vector in vectors.items():
        matrix[vocabulary[word]] = vector
        found[vocabulary[word]] = True
    known = matrix[found]
    matrix[1] = known.mean(axis=0)  # out-of-vocabulary: the average word
    absent = np.flatnonzero(~found)
    absent = absent[absent > 1]
    if missing == "random" and absent.size:
        rng = check_random_state(random_state)
        matrix[absent] = rng.normal(known.mean(axis=0), known.std(axis=0),
                                    size=(absent.size, dim)).astype(np.float32)
    return Bunch(matrix=matrix, found=found, n_found=int(found.sum()), dim=dim)


def _from_mapping(mapping, vocabulary):
    vectors, dim = {}, None
    for word, vector in mapping.items():
        try:
            vector = np.asarray(vector, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError(f"The vector of {word!r} is not numbers.") from None
        if vector.ndim != 1 or vector.size == 0:
            raise ValueError(f"The vector of {word!r} must be 1-D and non-empty; got "
                             f"shape {vector.shape}.")
        if dim is None:
            dim = vector.size
        elif vector.size != dim:
            raise ValueError(f"The vector of {word!r} has {vector.size} values; the "
                             f"first vector has {dim}.")
        if word in vocabulary:
            vectors[word] = vector
    if dim is None:
        raise ValueError("The word-vector mapping is empty.")
    return vectors, dim


def _from_file(path, vocabulary, encoding):
    opener = gzip.open if path.endswith(".gz") else open
    vectors, dim, header_dim = {}, None, None
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding=encoding,
                                                     errors="strict") as lines:
        for number, line in enumerate(lines, 1):
            parts = line.rstrip("\n\r").rstrip(" ").split(" ")
            if parts == [""]:
                continue
            if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                header_dim = int(parts[1])  # word2vec text format: "n_words dim"
                continue
            if dim is None:
                dim = header_dim if header_dim is not None else len(parts) - 1
                if dim < 1:
                    raise ValueError(f"{path}, line {number}: a word without a vector.")
            if len(parts) != dim + 1:
                what = "the header's" if header_dim is not None else "the first line's"
                raise ValueError(f"{path}, line {number}: {len(parts) - 1} values, but "
                                 f"{what} dimension is {dim} (a ragged line).")
            word = parts[0]
            if word in vocabulary:
                try:
                    vectors[word] = np.asarray(parts[1:], dtype=np.float32)
                except ValueError:
                    raise ValueError(f"{path}, line {number}: the vector of {word!r} "
                                     "is not numbers.") from None
    if dim is None:
        raise ValueError(f"{path} holds no word vectors (an empty file).")
    return vectors, dim


def cooccurrence_vectors(sequencer, X, *, n_components=100, window=5,
                         random_state=None):
    """Word vectors learnt from text: a factorised co-occurrence matrix.

    Counts how often two vocabulary words occur within ``window`` tokens of
    each other in ``X`` (weighted 1/distance), turns the counts into positive
    pointwise mutual information (with the context distribution smoothed to
    the power 0.75) and keeps its ``n_components`` leading singular
    directions, scaled by the square roots of the singular values: the
    PPMI-SVD vectors of Levy, Goldberg and Dagan (2015), which match word2vec
    on word-similarity tasks. A way to start the embedding from word meanings
    when no pretrained vectors can be downloaded, using unlabelled text (the
    training texts, or more).

    Parameters
    ----------
    sequencer : IntegerSequencer
        A fitted sequencer: row ``i`` is the vector of the word of id ``i``.
    X : iterable of str
        The texts to learn from.
    n_components : int, default=100
        Vector size (at most the vocabulary size minus 3).
    window : int, default=5
        Largest distance between two co-occurring tokens.
    random_state : int, RandomState instance or None, default=None
        Seed of the sparse SVD's starting vector.

    Returns
    -------
    matrix : ndarray of shape (vocabulary size, n_components), float32
        Rows scaled to norm 0.5 (the scale of a trained 32-100 dimensional
        embedding); row 0 (padding) and row 1 (out-of-vocabulary) are zeros,
        as are words that never co-occur.

    See Also
    --------
    load_word_vectors : Read pretrained vectors from a file.

    Examples
    --------
    >>> from skseq import IntegerSequencer
    >>> from skseq.embeddings import cooccurrence_vectors
    >>> texts = ["a good film", "a bad film", "good acting", "bad acting"] * 5
    >>> seq = IntegerSequencer().fit(texts)
    >>> cooccurrence_vectors(seq, texts, n_components=2, random_state=0).shape
    (7, 2)
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import svds

    check_is_fitted(sequencer, "vocabulary_")
    size = sequencer.vocab_size_
    if not isinstance(n_components, Integral) or not 1 <= n_components <= size - 3:
        raise ValueError(f"n_components must be an int in [1, {size - 3}] (the "
                         f"vocabulary size minus 3); got {n_components!r}.")
    if not isinstance(window, Integral) or window < 1:
        raise ValueError(f"window must be a positive int; got {window!r}.")
    rows, cols, weights = [], [], []
    for ids in sequencer.transform(X):
        ids = np.asarray(ids)
        ids = ids[ids > 1]  # out-of-vocabulary tokens are no context
        for distance in range(1, min(window, len(ids) - 1) + 1):
            rows.append(ids[:-distance])
            cols.append(ids[distance:])
            weights.append(np.full(len(ids) - distance, 1.0 / distance))
    if not rows:
        raise ValueError("X has no two vocabulary words within window of each other.")
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    weights = np.concatenate(weights)
    counts = sp.coo_matrix((np.concatenate([weights, weights]),
                            (np.concatenate([rows, cols]), np.concatenate([cols, rows]))),
                           shape=(size, size)).tocsr().tocoo()  # sums duplicates
    total = counts.data.sum()
    word_p = np.asarray(counts.sum(axis=1)).ravel() / total
    context = np.asarray(counts.sum(axis=0)).ravel() ** 0.75
    context_p = context / context.sum()
    pmi = np.log(counts.data / total / word_p[counts.row] / context_p[counts.col])
    positive = pmi > 0
    ppmi = sp.csr_matrix((pmi[positive], (counts.row[positive], counts.col[positive])),
                         shape=(size, size))
    seed = check_random_state(random_state).uniform(size=size)
    u, singular, _ = svds(ppmi, k=n_components, v0=seed)
    matrix = (u * np.sqrt(singular)).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = np.divide(0.5 * matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    matrix[:2] = 0
    return matrix
