"""This Python's own Unicode rules, as tables an exported model can carry.

An exported pipeline (:mod:`skseq.serving`) must read text exactly as
:class:`~skseq.IntegerSequencer` does in this process. TensorFlow's string
ops have rules of their own: RE2's ``\\w`` and ``\\s`` are ASCII only, and
ICU's case mapping follows another Unicode version than Python's. So every
rule is read here from what this Python does, code point by code point:
the ``re`` module's ``\\w`` and ``\\s``, ``str.lower`` (with its one
context rule, the final sigma), and the cluster expression of
:mod:`skseq._characters`. Nothing here imports TensorFlow.
"""

import re
import unicodedata
from functools import cache, lru_cache

from ._characters import _REGIONAL, _ZWJ, _extend_characters

__all__ = ["re2_class", "re2_token_pattern", "re2_cluster_pattern", "lowercase_tables",
           "SEPARATOR", "SIGMA", "FINAL_SIGMA"]

#: Marks the end of each token in the exported model's token stream. Python
#: reads it as whitespace (``"\x1f".isspace()``), so no token of a supported
#: pattern, and no character token (whitespace is collapsed first), holds it.
SEPARATOR = "\x1f"

#: Capital sigma, and the final form ``str.lower`` gives it by context.
SIGMA, FINAL_SIGMA = "\u03a3", "\u03c2"


@lru_cache(maxsize=1)
def _all_characters():
    """Every code point but the surrogates (which UTF-8 cannot carry)."""
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def _ranges(codes):
    """Sorted code points as (first, last) runs."""
    runs = []
    for code in sorted(codes):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return runs


def _class_body(codes):
    return "".join(rf"\x{{{a:x}}}" if a == b else rf"\x{{{a:x}}}-\x{{{b:x}}}"
                   for a, b in _ranges(codes))


@cache
def re2_class(escape):
    """An RE2 character class matching exactly what Python's ``re`` matches
    with ``escape`` (``r"\\w"``, ``r"\\s"``, ``r"\\S"``) on ``str`` text."""
    negate = escape.isupper()
    found = re.findall(escape.lower(), _all_characters())
    body = _class_body({ord(c) for c in found})
    return f"[^{body}]" if negate else f"[{body}]"


#: Python token pattern -> its RE2 form, for every pattern skseq exports.
#: ``\b\w\w+\b`` finds exactly the runs of two or more word characters,
#: ``\w\w+`` (each match starts and ends a run, since ``\w+`` is greedy).
_TOKEN_PATTERNS = {
    r"(?u)\w+(?:'\w+)*": "W+(?:'W+)*",
    r"(?u)\b\w\w+\b": "WW+",
    r"(?u)\w+": "W+",
    r"\w+": "W+",
    r"\S+": "N+",
}


def re2_token_pattern(pattern):
    """The RE2 expression finding exactly the tokens ``re.findall(pattern)``
    finds, or None where skseq cannot translate ``pattern`` exactly."""
    template = _TOKEN_PATTERNS.get(pattern)
    if template is None:
        return None
    return template.replace("W", re2_class(r"\w")).replace("N", re2_class(r"\S"))


def re2_cluster_pattern():
    """The RE2 form of the character-cluster expression of ``_characters``."""
    extend = _class_body({ord(c) for c in _extend_characters()})
    first, last = _REGIONAL.split("-")
    regional = f"[{_class_body(range(ord(first), ord(last) + 1))}]"
    return rf"(?s:{regional}{{2}}|.(?:[{extend}]|\x{{{ord(_ZWJ):x}}}.)*)"


@lru_cache(maxsize=1)
def lowercase_tables():
    """``str.lower`` as tables of code points.

    Returns
    -------
    mapping : dict of int to tuple of int
        Each code point ``str.lower`` changes, and what it becomes (one or
        more code points; only U+0130 becomes two in current Unicode).
    cased, ignorable : list of int
        The code points Python's final-sigma rule reads as cased (and not
        case-ignorable), and as case-ignorable: U+03A3 lowercases to the
        final form U+03C2 when the nearest code point before it that is not
        case-ignorable is cased, and the nearest after it (if any) is not.
        Both are measured through ``str.lower`` itself, not from a table of
        Unicode properties, so they are this Python's rule.
    """
    chars = _all_characters()
    mapping = {ord(c): tuple(map(ord, c.lower())) for c in chars if c.lower() != c}
    mapping[ord(SIGMA)] = (ord("\u03c3"),)  # the final form is decided by context

    def final(text):
        return text.lower()[-1] == FINAL_SIGMA

    assigned = [c for c in chars if unicodedata.category(c) != "Cn"]
    cased = [ord(c) for c in assigned if final(c + SIGMA)]
    ignorable = [ord(c) for c in assigned
                 if final("A" + c + SIGMA) and not final(c + SIGMA)]
    return mapping, cased, ignorable
