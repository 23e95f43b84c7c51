"""IntegerSequencer: raw text (or token lists) to integer sequences."""

import heapq
import re
import unicodedata
import warnings
from collections import Counter
from itertools import chain, groupby, repeat
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ._characters import char_splitter, collapse_whitespace, is_unspaced, join_surrogates
from ._errors import UnsafeModelFileError
from ._fixes import Interval, StrOptions
from ._ragged import split_flat
from ._schema import check_int, field, params_from_file
from ._segmenters import SEGMENTERS, get_segmenter, missing_message, segmenter_versions
from ._validation import check_documents

__all__ = ["IntegerSequencer", "PAD_INDEX", "OOV_INDEX", "SAFE_TOKEN_PATTERNS"]

#: Index reserved for padding; :class:`IntegerSequencer` never produces it.
PAD_INDEX = 0
#: Index of out-of-vocabulary tokens.
OOV_INDEX = 1
_FIRST_WORD_INDEX = 2

_MARKUP = re.compile(r"<[^>]*>")
_DEFAULT_TOKEN_PATTERN = r"(?u)\w+(?:'\w+)*"

#: Token patterns :func:`skseq.load` accepts from a file without
#: ``trust_token_pattern=True``: each matches in time linear in the text
#: (no nested quantifier can backtrack). skseq's default, scikit-learn's
#: ``CountVectorizer`` default, words, and runs of non-space characters.
SAFE_TOKEN_PATTERNS = (
    _DEFAULT_TOKEN_PATTERN,
    r"(?u)\b\w\w+\b",
    r"(?u)\w+",
    r"\w+",
    r"\S+",
)
# vocabulary ids are int32 at most
_MAX_VOCABULARY = 2**31 - 1
#: The boundary token of ``analyzer="char_wb"``: each word is read between
#: two of them, as ``CountVectorizer`` pads words with a space.
WORD_BOUNDARY = " "
# The unsplit-text warning: a word longer than this (a URL, a gene, a line
# of a log) or a clause of an unspaced script, in at least this share of
# the training tokens.
_LONG_WORD = 30
_UNSPLIT_SHARE = 0.5
_NORMALIZATIONS = ("NFC", "NFKC", "NFD", "NFKD")


#: Ends each document in a joined token stream (``_stream_tokens``): a
#: token of its own for every safe pattern (two characters, so the length
#: filter of ``\b\w\w+\b`` keeps it), never produced by real text, which
#: is checked to hold no ``\x01``.
_END = "\x01\x01"


def _ascii_table(keep):
    """bytes.translate table: ASCII word characters, ``\x01`` (document
    ends) and ``keep`` stay, everything else becomes a space."""
    return bytes(i if chr(i).isalnum() or chr(i) in "_\x01" + keep else 32
                 for i in range(256))


_WORDS = _ascii_table("")
_WORDS_AND_APOSTROPHES = _ascii_table("'")


def _ascii_splitter(pattern):
    """A function giving ``re.findall(pattern, text)`` for a safe pattern on
    ASCII text, without the regex engine (a byte translation, ``str.replace``
    and ``str.split``, all at C speed, about 2x faster), with ``_END`` marks
    kept as tokens. None for any other pattern. The text must hold no
    ``\x01`` outside ``_END`` marks, each between spaces."""

    def words(text, table):
        return text.encode("ascii").translate(table).decode("ascii").split()

    if pattern == _DEFAULT_TOKEN_PATTERN:
        def split(text):
            text = f" {text} ".encode("ascii").translate(_WORDS_AND_APOSTROPHES) \
                .decode("ascii")
            # A token holds an apostrophe only between word characters: blank
            # the others (pairs first, which leaves no two side by side).
            return text.replace("''", " ").replace(" '", "  ").replace("' ", "  ") \
                .split()
    elif pattern in (r"(?u)\w+", r"\w+"):
        def split(text):
            return words(text, _WORDS)
    elif pattern == r"(?u)\b\w\w+\b":
        def split(text):
            return [w for w in words(text, _WORDS) if len(w) > 1]
    elif pattern == r"\S+":
        def split(text):
            return text.split()
    else:
        return None
    return split


def _fast_split(pattern):
    """A function from one document to ``re.findall(pattern, doc)`` for the
    safe patterns: the ASCII splitter where it applies, else the regex. None
    for any other pattern."""
    ascii_split, findall = _ascii_splitter(pattern), re.compile(pattern).findall
    if ascii_split is None:
        return None

    def split(doc):
        if doc.isascii() and "\x01" not in doc:
            return ascii_split(doc)
        return findall(doc)

    return split


def _warn_if_unsplit(counts):
    """Warn when most training tokens are not words: clauses of a script
    written without spaces, or runs too long to be words."""
    total = unsplit = 0
    for token, count in counts.items():
        total += count
        if len(token) > _LONG_WORD or (len(token) > 3 and not token.isascii()
                                       and is_unspaced(token)):
            unsplit += count
    if total and unsplit >= _UNSPLIT_SHARE * total:
        names = ", ".join(f"{name!r} ({language})" for name, language in SEGMENTERS.items())
        warnings.warn(
            f"IntegerSequencer: {unsplit / total:.0%} of the training tokens are not "
            "words a model can share between texts (clauses of a script written "
            f"without spaces, or runs of over {_LONG_WORD} characters), so most test "
            "tokens will be out of vocabulary. Read characters with analyzer='char' "
            f"(or 'char_wb'), or split words with a named segmenter: tokenizer={names}.",
            UserWarning, stacklevel=5)


def _check_segmenter(name, saved, owner):
    """A saved pipeline's segmenter must be installed; other versions than
    the ones that segmented its training texts may split words otherwise."""
    message = missing_message(name)
    if message is not None:
        raise ModuleNotFoundError(f"{owner}: this file's {message}")
    installed = segmenter_versions(name)
    if set(saved) != set(installed):
        raise UnsafeModelFileError(f"{owner}: segmenter_versions_ must name the "
                                   f"packages {sorted(installed)}")
    changed = {k: (v, installed[k]) for k, v in saved.items() if installed[k] != v}
    if changed:
        warnings.warn(
            f"{owner}: the file was fitted with segmenter {name!r} from "
            + ", ".join(f"{k} {old}" for k, (old, _) in changed.items())
            + "; this environment has "
            + ", ".join(f"{k} {new}" for k, (_, new) in changed.items())
            + ": words may be split differently.", UserWarning, stacklevel=4)


class IntegerSequencer(TransformerMixin, BaseEstimator):
    """Turn raw texts into integer sequences with a learned vocabulary.

    The index convention is the one Keras' embedding layers expect: ``0`` is
    padding and never produced, ``1`` stands for any out-of-vocabulary token,
    and the vocabulary is numbered from ``2`` upwards in order of decreasing
    frequency in the training texts (ties broken alphabetically, so the
    result does not depend on the order of the documents).

    Tokenisation: HTML-like markup (IMDB's ``<br />``) is replaced by a
    space, the text is Unicode-normalised if ``normalization`` asks, and
    lowercased; then ``analyzer`` decides what a token is. Words
    (``analyzer="word"``) are the matches of ``token_pattern``, or what
    ``tokenizer`` (a named segmenter or a callable) returns. Characters
    (``"char"``, ``"char_wb"``) are what a reader sees as one character:
    combining marks, emoji with skin tones or joiners, flags and tags stay
    with the character they belong to, and UTF-16 surrogate pairs are
    joined. Documents that are already lists of tokens are used as they are
    (normalised and lowercased as asked).

    Parameters
    ----------
    num_words : int or None, default=None
        Keep only the most frequent tokens so that every index is smaller
        than ``num_words`` (``num_words - 2`` tokens, plus padding and OOV).
        With ``num_words=N`` an ``Embedding(input_dim=N)`` fits exactly.
        ``None`` keeps every token seen at least ``min_frequency`` times.
    lowercase : bool, default=True
        Lowercase texts (and tokens) before counting.
    strip_markup : bool, default=True
        Replace ``<...>`` markup such as ``<br />`` by a space.
    token_pattern : str, default=r"(?u)\\w+(?:'\\w+)*"
        Regular expression that matches one word (``analyzer="word"``
        only). The default keeps contractions (``don't``) whole.
    tokenizer : {"jieba", "sudachi", "pythainlp"}, callable or None, \
            default=None
        What splits a text into words, replacing ``token_pattern``
        (``analyzer="word"`` only). A name picks one of skseq's segmenters
        for languages written without spaces (:data:`skseq.SEGMENTERS`:
        Chinese, Japanese, Thai; each an extra, e.g. ``skseq[chinese]``);
        a named segmenter is saved by name in ``.skseq`` files. A callable
        (``str -> list of str``) works in memory and with joblib (it must be
        picklable); :func:`skseq.save` refuses it.

        .. versionadded:: 0.2
           The segmenter names.
    min_frequency : int, default=1
        Ignore tokens that occur fewer times in the training texts.
    oov_token : str, default="<OOV>"
        Token shown for index 1 by :meth:`inverse_transform`.
    analyzer : {"word", "char", "char_wb"}, default="word"
        What one token is, as in ``CountVectorizer``: a word; every
        character, whitespace runs read as one space (and none at either
        end); or the characters of each word, each word between two
        boundary tokens (a space, as ``CountVectorizer`` pads words), so
        the n-gram head's character n-grams start and end at words. The
        character analyzers serve languages without spaces and
        character-level problems (names, codes, URLs, DNA).

        .. versionadded:: 0.2
    normalization : {"NFC", "NFKC", "NFD", "NFKD"} or None, default=None
        Unicode normalisation applied before lowercasing. ``"NFKC"`` folds
        compatibility forms (full-width Latin letters and digits, ligatures,
        half-width katakana) into their plain forms, usually what one wants
        for East Asian text.

        .. versionadded:: 0.2

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token to index, for the kept words.
    vocab_size_ : int
        Number of distinct indices the transform can produce, padding and
        OOV included (``len(vocabulary_) + 2``): the classifier's
        ``vocab_size`` (the embedding's ``input_dim``). Named
        ``vocabulary_size_`` before 0.2 (that name still works, with a
        ``FutureWarning``).
    word_counts_ : dict of str to int
        Frequency of every kept token in the training texts.
    segmenter_versions_ : dict of str to str
        For a named ``tokenizer``, the versions of the packages that
        segmented the training texts (saved in ``.skseq`` files; loading
        with other versions warns); empty otherwise.

        .. versionadded:: 0.2

    See Also
    --------
    Padder : Pads the sequences to a fixed width.
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts.

    Examples
    --------
    >>> from skseq import IntegerSequencer
    >>> seq = IntegerSequencer().fit(["a good movie", "a bad movie<br />bad"])
    >>> seq.vocabulary_
    {'a': 2, 'bad': 3, 'movie': 4, 'good': 5}
    >>> [s.tolist() for s in seq.transform(["a great movie", ""])]
    [[2, 1, 4], []]
    >>> seq.inverse_transform([[0, 2, 1, 4]])
    [['a', '<OOV>', 'movie']]
    >>> chars = IntegerSequencer(analyzer="char").fit(["好书", "好 👍🏽"])
    >>> chars.inverse_transform(chars.transform(["好书 👍🏽!"]))
    [['好', '书', ' ', '👍🏽', '<OOV>']]
    """

    _parameter_constraints = {
        "num_words": [Interval(Integral, 3, None, closed="left"), None],
        "lowercase": ["boolean"],
        "strip_markup": ["boolean"],
        "token_pattern": [str],
        "tokenizer": [callable, StrOptions(set(SEGMENTERS)), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "oov_token": [str],
        "analyzer": [StrOptions({"word", "char", "char_wb"})],
        "normalization": [StrOptions(set(_NORMALIZATIONS)), None],
    }

    def __init__(
        self,
        *,
        num_words=None,
        lowercase=True,
        strip_markup=True,
        token_pattern=_DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        min_frequency=1,
        oov_token="<OOV>",
        analyzer="word",
        normalization=None,
    ):
        self.num_words = num_words
        self.lowercase = lowercase
        self.strip_markup = strip_markup
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.min_frequency = min_frequency
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.normalization = normalization

    def _check_analyzer(self):
        """Refuse word settings the character analyzers would ignore."""
        if self.analyzer == "word":
            return
        for name, unused in (("tokenizer", self.tokenizer is not None),
                             ("token_pattern",
                              self.token_pattern != _DEFAULT_TOKEN_PATTERN)):
            if unused:
                raise ValueError(
                    f"IntegerSequencer(analyzer={self.analyzer!r}) reads characters, "
                    f"so {name!r} would be ignored; leave it at its default, or use "
                    "analyzer='word'.")

    def _word_splitter(self):
        """A function from one preprocessed text to its words."""
        if isinstance(self.tokenizer, str):
            return get_segmenter(self.tokenizer)
        if self.tokenizer is not None:
            return self.tokenizer
        if self.token_pattern in SAFE_TOKEN_PATTERNS:
            return _fast_split(self.token_pattern)
        try:
            return re.compile(self.token_pattern).findall
        except re.error as exc:
            raise ValueError(
                f"The 'token_pattern' parameter of IntegerSequencer is not a "
                f"valid regular expression: {exc}."
            ) from None

    def _char_splitter(self):
        """A function from one preprocessed text to its character tokens:
        ``str`` or list, either iterable token by token."""
        clusters = char_splitter()
        if self.analyzer == "char":
            return lambda text: clusters(collapse_whitespace(text))
        pad = WORD_BOUNDARY

        def split(text):
            words = text.split()
            if not words:
                return []
            return clusters(pad + (pad * 2).join(words) + pad)

        return split

    def _make_tokenize(self, as_list=True):
        """Return a function from one checked document to its token list
        (``as_list=False``: character tokens may come as the ``str`` itself,
        iterable token by token, which spares a list per document)."""
        split = self._word_splitter() if self.analyzer == "word" \
            else self._char_splitter()
        preprocess = self._make_preprocess()
        normalize, lowercase = self._make_normalize(), self.lowercase
        # a callable tokenizer may return any iterable: words always become a list
        keep_str = not as_list and self.analyzer != "word"

        def tokenize(doc):
            if isinstance(doc, list):
                return [normalize(t).lower() if lowercase else normalize(t) for t in doc]
            tokens = split(preprocess(doc))
            return tokens if keep_str else list(tokens)

        return tokenize

    def _make_normalize(self):
        form = self.normalization

        def normalize(text):
            if form is not None and not text.isascii():
                text = unicodedata.normalize(form, text)
            return join_surrogates(text)

        return normalize

    def _make_preprocess(self):
        lowercase, strip = self.lowercase, self.strip_markup
        normalize = self._make_normalize()

        def preprocess(doc):
            if strip and "<" in doc:
                doc = _MARKUP.sub(" ", doc)
            doc = normalize(doc)
            return doc.lower() if lowercase else doc

        return preprocess

    def _tokenize_all(self, X):
        """All documents' tokens as ``(tokens, lengths)``: one flat list and
        the number of tokens per document, or ``lengths=None`` when every
        document's tokens are followed by an ``_END`` mark instead."""
        docs = check_documents(X, owner=type(self).__name__)
        self._check_analyzer()
        if self.analyzer == "word" and self.tokenizer is None \
                and self.token_pattern in SAFE_TOKEN_PATTERNS \
                and all(isinstance(doc, str) for doc in docs):
            texts = list(map(self._make_preprocess(), docs))
            if not any("\x01" in text for text in texts):
                return self._stream_tokens(texts), None
        token_lists = list(map(self._make_tokenize(as_list=False), docs))
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64,
                              count=len(token_lists))
        return list(chain.from_iterable(token_lists)), lengths

    def _stream_tokens(self, texts):
        # Splitting long runs of joined documents saves the per-call cost of
        # 25,000 small splits (and of 25,000 token lists); the ASCII ones go
        # to the C-speed splitter, the others to the regex (in which the
        # end mark is an alternative of its own).
        ascii_split = _ascii_splitter(self.token_pattern)
        findall = re.compile(f"{self.token_pattern}|{_END}").findall
        separator = f" {_END} "
        tokens = []
        for is_ascii, run in groupby(texts, str.isascii):
            text = separator.join(run) + separator
            tokens += ascii_split(text) if is_ascii else findall(text)
        return tokens

    def fit(self, X, y=None):
        """Learn the vocabulary from the training documents.

        Parameters
        ----------
        X : iterable of str or of lists of str
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        self : IntegerSequencer
            The fitted transformer.
        """
        self._fit_tokens(X)
        return self

    def fit_transform(self, X, y=None):
        """Learn the vocabulary and return the integer sequences.

        Tokenises each document once (faster than ``fit`` then
        ``transform``).

        Parameters
        ----------
        X : iterable of str or of lists of str
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        sequences : ndarray of shape (n_documents,), dtype object
            One ``int32`` array per document.
        """
        return self._encode(*self._fit_tokens(X))

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit_tokens(self, X):
        tokens, lengths = self._tokenize_all(X)
        counts = Counter(tokens)
        if lengths is None:
            counts.pop(_END, None)
        words = [w for w, c in counts.items() if c >= self.min_frequency]
        kept = len(words) if self.num_words is None else self.num_words - _FIRST_WORD_INDEX
        if kept < len(words):  # only words as frequent as the last kept one can stay
            least = heapq.nlargest(kept, map(counts.__getitem__, words))[-1]
            words = [w for w in words if counts[w] >= least]
        # most frequent first, ties alphabetically (the second sort is stable)
        words.sort()
        words.sort(key=counts.__getitem__, reverse=True)
        words = words[:kept]
        if self.analyzer == "word" and self.tokenizer is None:
            _warn_if_unsplit(counts)
        self.vocabulary_ = {w: i for i, w in enumerate(words, _FIRST_WORD_INDEX)}
        self.word_counts_ = {w: counts[w] for w in words}
        self.vocab_size_ = len(words) + _FIRST_WORD_INDEX
        self.segmenter_versions_ = segmenter_versions(self.tokenizer) \
            if isinstance(self.tokenizer, str) else {}
        return tokens, lengths

    def _encode(self, tokens, lengths):
        # One C-level map over all tokens, then split: much faster than a
        # Python loop per token. End marks map to -1, which gives the lengths.
        lookup = self.vocabulary_ if lengths is not None \
            else {**self.vocabulary_, _END: -1}
        ids = np.fromiter(map(lookup.get, tokens, repeat(OOV_INDEX)),
                          dtype=np.int32, count=len(tokens))
        if lengths is None:
            ends = np.flatnonzero(ids == -1)
            lengths = np.diff(ends, prepend=-1) - 1
            ids = np.delete(ids, ends)
        return split_flat(ids, lengths)

    def transform(self, X):
        """Map documents to integer sequences.

        Parameters
        ----------
        X : iterable of str or of lists of str
            Documents.

        Returns
        -------
        sequences : ndarray of shape (n_documents,), dtype object
            One ``int32`` array per document; an empty document gives an
            empty array; unknown words map to ``1``.
        """
        check_is_fitted(self, "vocabulary_")
        return self._encode(*self._tokenize_all(X))

    def inverse_transform(self, X):
        """Map integer sequences back to tokens, to inspect what a model saw.

        Padding (``0``) is dropped, ``1`` becomes ``oov_token``.

        Parameters
        ----------
        X : iterable of sequences of int, or 2-D array
            Integer sequences, padded or not.

        Returns
        -------
        tokens : list of list of str
            The tokens of each sequence.
        """
        check_is_fitted(self, "vocabulary_")
        lookup = np.empty(self.vocab_size_, dtype=object)
        lookup[PAD_INDEX] = None
        lookup[OOV_INDEX] = self.oov_token
        for word, index in self.vocabulary_.items():
            lookup[index] = word
        result = []
        for i, seq in enumerate(X):
            ids = np.asarray(seq)
            if ids.size and (
                ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= len(lookup)
            ):
                raise ValueError(
                    f"Row {i} holds values that are not indices of this vocabulary "
                    f"(integers in [0, {len(lookup)}))."
                )
            result.append([t for t in lookup[ids] if t is not None])
        return result

    def set_output(self, *, transform=None):
        """Accept an output setting; the sequences keep their form.

        Integer sequences of different lengths have no table form, so
        ``transform`` always returns the object array of sequences. The
        method exists so that ``Pipeline.set_output(transform="pandas")``
        works on skseq pipelines (``Padder`` then returns a DataFrame).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The container asked for; recorded nowhere.

        Returns
        -------
        self : IntegerSequencer
            The transformer, unchanged.
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(f"transform must be 'default', 'pandas', 'polars' or None; "
                             f"got {transform!r}.")
        return self

    # --- safe format: this estimator's fitted state, described and checked
    def _to_saved_state(self):
        check_is_fitted(self, "vocabulary_")
        if callable(self.tokenizer):
            names = ", ".join(f"{name!r} ({language})"
                              for name, language in SEGMENTERS.items())
            raise TypeError(
                "IntegerSequencer(tokenizer=...) holds a Python callable, which the "
                "safe format cannot store (loading it would run code from the "
                f"file). Use a named segmenter, tokenizer={names}; "
                "analyzer='char' or 'char_wb'; or a token_pattern. Or save with "
                "joblib for trusted use."
            )
        return {"vocabulary_": self.vocabulary_, "word_counts_": self.word_counts_,
                "vocab_size_": self.vocab_size_,
                "segmenter_versions_": self.segmenter_versions_}

    @classmethod
    def _from_saved_state(cls, params, state, context):
        owner = cls.__name__
        seq = params_from_file(cls, params)  # a tokenizer is null or a segmenter name
        versions = state.get("segmenter_versions_", {}) if isinstance(state, dict) \
            else None
        if not isinstance(versions, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and len(k) < 64 and len(v) < 64
                for k, v in versions.items()):
            raise UnsafeModelFileError(f"{owner}: segmenter_versions_ must map package "
                                       "names to version strings")
        if seq.tokenizer is not None:
            _check_segmenter(seq.tokenizer, versions, owner)
        elif versions:
            raise UnsafeModelFileError(f"{owner}: segmenter_versions_ without a "
                                       "named tokenizer")
        if seq.token_pattern not in SAFE_TOKEN_PATTERNS and not context.get(
                "trust_token_pattern"):
            raise UnsafeModelFileError(
                f"{owner}: token_pattern {seq.token_pattern!r:.80} is not one of "
                "skseq.SAFE_TOKEN_PATTERNS (a crafted pattern can hang "
                "prediction); pass trust_token_pattern=True to skseq.load only if "
                "you trust the file")
        vocab = field(state, "vocabulary_", dict, owner=owner)
        counts = field(state, "word_counts_", dict, owner=owner)
        size = check_int(field(state, "vocab_size_", int, owner=owner),
                         "vocab_size_", _FIRST_WORD_INDEX, _MAX_VOCABULARY,
                         owner=owner)
        ids = sorted(vocab.values()) if all(
            isinstance(v, int) and not isinstance(v, bool) for v in vocab.values()
        ) else None
        if ids != list(range(_FIRST_WORD_INDEX, _FIRST_WORD_INDEX + len(vocab))) \
                or size != len(vocab) + _FIRST_WORD_INDEX:
            raise UnsafeModelFileError(
                f"{owner}: vocabulary_ must number its words {_FIRST_WORD_INDEX}, "
                f"{_FIRST_WORD_INDEX + 1}, ... up to vocab_size_ - 1")
        if seq.num_words is not None and size > seq.num_words:
            raise UnsafeModelFileError(f"{owner}: vocab_size_ {size} exceeds "
                                       f"num_words={seq.num_words}")
        if set(counts) != set(vocab) or not all(
                isinstance(c, int) and not isinstance(c, bool) and c >= 1
                for c in counts.values()):
            raise UnsafeModelFileError(f"{owner}: word_counts_ must give a positive "
                                       "count for every vocabulary word")
        seq.vocabulary_, seq.word_counts_, seq.vocab_size_ = vocab, counts, size
        seq.segmenter_versions_ = versions
        return seq

    @property
    def vocabulary_size_(self):
        """Deprecated alias of ``vocab_size_`` (renamed in 0.2, removed in 0.4)."""
        size = self.vocab_size_
        warnings.warn("IntegerSequencer.vocabulary_size_ was renamed vocab_size_ in 0.2 "
                      "(the classifier's spelling) and will be removed in 0.4.",
                      FutureWarning, stacklevel=2)
        return size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
