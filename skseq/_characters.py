"""Characters as a reader sees them: Unicode clusters for ``analyzer="char"``.

A "character" token is one user-perceived character, not one code point:
a letter with its combining marks (``e`` + U+0301), an emoji with its skin
tone, an emoji joined with zero-width joiners (a family), a flag (two
regional indicators) and a tag sequence (subdivision flags) each stay one
token. UTF-16 surrogate pairs left in a ``str`` (text decoded with
``surrogatepass``) are joined into the character they encode. Right-to-left
scripts need nothing special: tokens are in logical (memory) order, the
order a model reads. Hangul written as conjoining jamo is composed by
``normalization="NFC"`` or ``"NFKC"``.
"""

import re
import unicodedata
from functools import lru_cache

__all__ = ["char_splitter", "join_surrogates", "collapse_whitespace", "is_unspaced"]

_ZWJ = "\u200d"
_REGIONAL = "\U0001F1E6-\U0001F1FF"
_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def _extend_characters():
    """The code points that extend the previous one: combining marks
    (categories Mn, Mc, Me, as this Python's Unicode data defines them;
    variation selectors are Mn), skin tones and tags."""
    marks = [chr(code) for code in range(0x300, 0x110000)
             if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me")]
    tones_and_tags = [chr(code) for code in (*range(0x1F3FB, 0x1F400),
                                             *range(0xE0020, 0xE0080))]
    return marks + tones_and_tags


@lru_cache(maxsize=1)
def _patterns():
    extend = "".join(map(re.escape, _extend_characters()))
    cluster = re.compile(
        f"[{_REGIONAL}]{{2}}|.(?:[{extend}]|{_ZWJ}.)*", re.DOTALL)
    # a set, not a character class: isdisjoint is ~6x faster than re.search
    special = frozenset(_extend_characters()) | {_ZWJ} | {
        chr(code) for code in range(0x1F1E6, 0x1F200)}
    return cluster.findall, special.isdisjoint


def char_splitter():
    """A function from one text to its characters (clusters), in order.

    Text without combining marks, joiners or regional indicators (every
    ASCII text, most text) is split by ``list`` at C speed; the rest by the
    cluster expression.

    Returns
    -------
    split : callable
        ``str -> list of str`` or the ``str`` itself, iterable by
        character where no cluster spans two code points.
    """
    clusters, plain = _patterns()

    def split(text):
        if text.isascii() or plain(text):
            return text
        return clusters(text)

    return split


def join_surrogates(text):
    """Join UTF-16 surrogate pairs in ``text`` into the characters they
    encode (a lone surrogate stays as it is)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def collapse_whitespace(text):
    """Every run of whitespace as one space, none at either end (what
    ``CountVectorizer``'s character analyzers read, trimmed)."""
    return " ".join(text.split())


# Scripts written without spaces between words: Han (with its extensions
# and compatibility ideographs), Hiragana, Katakana, Thai, Lao, Khmer,
# Myanmar, Tibetan.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")


def is_unspaced(token):
    """Whether most characters of ``token`` are from scripts written
    without spaces (a clause read as one word)."""
    return len(_UNSPACED.findall(token)) * 2 > len(token)
