"""Ragged integer sequences, handed from ``IntegerSequencer`` to ``Padder``.

The sequencer's public output is an object array with one ``int32`` array
per document. It computes all ids as one flat array and splits it into
views; ``Padder`` needs the flat array and the lengths back, and joining
25,000 views again costs as much as the padding itself. So the split
remembers, for as long as its output lives, the flat array, the lengths and
the exact view objects. ``Padder`` uses them only if it receives that very
object array still holding those very views (an identity check per row,
done at C speed), so a copied, sliced, reordered or edited array takes the
ordinary path, and in-place edits of a row's values are seen through the
views.
"""

import operator
import weakref

import numpy as np

__all__ = ["split_flat", "remembered_flat"]

_REMEMBERED = {}  # id(output) -> (weakref to output, views, flat ids, lengths)


def split_flat(ids, lengths):
    """One object array of views of ``ids``, ``lengths[i]`` long each."""
    views = np.split(ids, np.cumsum(lengths[:-1])) if len(lengths) else []
    out = np.empty(len(lengths), dtype=object)
    out[:] = views
    key = id(out)
    _REMEMBERED[key] = (weakref.ref(out, lambda _, key=key: _REMEMBERED.pop(key, None)),
                        tuple(views), ids, lengths)
    return out


def remembered_flat(X):
    """``(flat ids, lengths)`` if X is an unaltered output of split_flat, else None."""
    entry = _REMEMBERED.get(id(X))
    if entry is None or entry[0]() is not X:
        return None
    _, views, ids, lengths = entry
    if X.shape != (len(views),) or not all(map(operator.is_, X, views)):
        return None
    return ids, lengths
