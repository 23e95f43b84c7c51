"""Named word segmenters for languages written without spaces.

``IntegerSequencer(tokenizer="jieba")`` names a segmenter instead of
passing a function, so a fitted pipeline stays a plain value: the safe
``.skseq`` format stores the name and the versions of the packages that
segmented the training texts, and resolves the name here, from skseq's own
table, never from the file. Each segmenter is an optional extra.
"""

import importlib.metadata
import importlib.util
import logging
import threading
from dataclasses import dataclass
from functools import cache

__all__ = ["SEGMENTERS", "get_segmenter", "segmenter_versions", "missing_message"]


@dataclass(frozen=True)
class _Segmenter:
    language: str
    extra: str
    #: distributions whose versions decide the segmentation (recorded at fit)
    packages: tuple
    #: the module to import (its absence is the "not installed" case)
    module: str


_TABLE = {
    "jieba": _Segmenter("Chinese", "chinese", ("jieba",), "jieba"),
    "sudachi": _Segmenter("Japanese", "japanese", ("sudachipy", "sudachidict-core"),
                          "sudachipy"),
    "pythainlp": _Segmenter("Thai", "thai", ("pythainlp",), "pythainlp"),
}

#: The named segmenters ``IntegerSequencer(tokenizer=...)`` accepts, each
#: with the language it splits into words: ``"jieba"`` (Chinese, jieba's
#: default dictionary and HMM for unknown words), ``"sudachi"`` (Japanese,
#: SudachiPy with its core dictionary, split mode C), ``"pythainlp"`` (Thai,
#: PyThaiNLP's ``newmm`` dictionary segmenter). Install them with the extras
#: ``skseq[chinese]``, ``skseq[japanese]`` and ``skseq[thai]``.
SEGMENTERS = {name: entry.language for name, entry in _TABLE.items()}


def missing_message(name):
    """Why segmenter ``name`` cannot run here, or None when it can."""
    entry = _TABLE[name]
    if importlib.util.find_spec(entry.module) is not None:
        return None
    return (f"IntegerSequencer(tokenizer={name!r}) segments {entry.language} with the "
            f"{entry.packages[0]} package, which is not installed: "
            f"pip install 'skseq[{entry.extra}]'")


def _require(name):
    message = missing_message(name)
    if message is not None:
        raise ModuleNotFoundError(message, name=_TABLE[name].module)


def segmenter_versions(name):
    """The installed versions of the packages behind segmenter ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SEGMENTERS`.

    Returns
    -------
    versions : dict of str to str
        Distribution name to version.
    """
    _require(name)
    return {package: importlib.metadata.version(package)
            for package in _TABLE[name].packages}


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict ..." on every start
    # a tokenizer of our own: words a user adds to jieba's global one must
    # not change what a fitted pipeline reads
    tokenizer = jieba.Tokenizer()
    return lambda text: tokenizer.lcut(text, HMM=True)


def _sudachi():
    from sudachipy import Dictionary, SplitMode

    dictionary, local = Dictionary(dict="core"), threading.local()

    def segment(text):
        # one tokenizer per thread: a Sudachi tokenizer is not thread-safe
        if not hasattr(local, "tokenizer"):
            local.tokenizer = dictionary.tokenizer(mode=SplitMode.C)
        return [m.surface() for m in local.tokenizer.tokenize(text)]

    return segment


def _pythainlp():
    from pythainlp.tokenize import word_tokenize

    return lambda text: word_tokenize(text, engine="newmm", keep_whitespace=False)


_MAKERS = {"jieba": _jieba, "sudachi": _sudachi, "pythainlp": _pythainlp}


@cache
def get_segmenter(name):
    """A function from one text to its words, for segmenter ``name``.

    Built once per process (loading a dictionary takes up to a second);
    whitespace-only pieces are dropped, as the word analyzer drops spaces.

    Parameters
    ----------
    name : str
        A key of :data:`SEGMENTERS`.

    Returns
    -------
    segment : callable
        ``str -> list of str``.
    """
    _require(name)
    split = _MAKERS[name]()

    def segment(text):
        return [word for word in split(text) if not word.isspace() and word]

    return segment
