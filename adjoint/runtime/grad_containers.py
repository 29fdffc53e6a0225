"""The adjoint of a list or tuple is a `GradList`, of a dict a `GradDict`.

Adding two of them adds element-wise (key-wise), never concatenates; the scalar `0.0`
(an adjoint that is still zero) is the neutral element on either side, and nested
containers add recursively. So `bx = bx + c`, `bx += c` and `bx[i] += g` work for
containers exactly as for arrays. Every helper that returns a container adjoint gives
it fresh elements (never views of its input), so the sweep may update them in place.
This module knows nothing of arrays beyond `+`.
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .kinds import is_lazy, like_of


class _Missing:
    """Marks a dict key that did not exist before a write (restored by deleting it)."""

    def __repr__(self):
        return "rt.MISSING"


MISSING = _Missing()


def _is_zero(v) -> bool:
    return type(v) in (float, int) and v == 0


def _add(a, b):
    if type(a) is float and type(b) is float:  # the common case in scalar code
        return a + b
    if _is_zero(a) and not is_container(b):
        return b + 0.0 if b is not None else a  # a new object, never `b` itself
    if _is_zero(b) and not is_container(a):
        return a + 0.0
    if isinstance(a, dict) or isinstance(b, dict):
        a = {} if _is_zero(a) else a
        b = {} if _is_zero(b) else b
        return GradDict({k: _add(a.get(k, 0.0), b.get(k, 0.0))
                         for k in list(a) + [k for k in b if k not in a]})
    if is_container(a) or is_container(b):
        a = [0.0] * len(b) if _is_zero(a) or _emptied(a, b) else a
        b = [0.0] * len(a) if _is_zero(b) or _emptied(b, a) else b
        if len(a) != len(b):
            raise ValueError(f"adding list adjoints of lengths {len(a)} and {len(b)}")
        return GradList(_add(x, y) for x, y in zip(a, b))
    return a + b


def _emptied(a, b) -> bool:
    """An empty list adjoint added to a longer one: the zero adjoint of a stack taken
    while it was empty (a tape a gradient popped, differentiated twice more)."""
    return isinstance(a, list) and not a and isinstance(b, list)


def _neg(x):
    """-x, item by item for containers (keys and strings stay)."""
    if isinstance(x, dict):
        return GradDict({k: _neg(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return GradList(_neg(v) for v in x)
    return x if isinstance(x, str) else -x


class _AddsItemwise:
    """`+` and `-` on an adjoint container work item by item (`_add`), never
    concatenate (the sweeps write `b -= c` for `b += -c`)."""

    def __add__(self, other):
        return _add(self, other)

    def __radd__(self, other):
        return _add(other, self)

    def __sub__(self, other):
        return _add(self, _neg(other))

    def __rsub__(self, other):
        return _add(other, _neg(self))

    def __neg__(self):
        return _neg(self)

    def __isub__(self, other):
        return self.__iadd__(_neg(other))


class GradList(_AddsItemwise, list):
    """The adjoint of a list or tuple: `+` adds element-wise."""

    def __iadd__(self, other):
        total = _add(self, other)
        self[:] = total  # the slots change; the elements are never mutated
        return self

    def __repr__(self):
        return f"GradList({list.__repr__(self)})"


class GradDict(_AddsItemwise, dict):
    """The adjoint of a dict: `+` adds key-wise (a missing key is zero)."""

    def __iadd__(self, other):
        total = _add(self, other)
        self.clear()
        self.update(total)
        return self

    def __repr__(self):
        return f"GradDict({dict.__repr__(self)})"


def is_container(x) -> bool:
    return isinstance(x, (list, tuple, dict))


DICT_VIEWS = (type({}.items()), type({}.keys()), type({}.values()))


def item(x, index):
    """`x[index]`, copied when it is a view into an array (saved before a write).
    A missing dict key gives `MISSING`."""
    if isinstance(x, dict):
        return x.get(index, MISSING)
    value = x[index]
    return value.copy() if isinstance(value, np.ndarray) or like_of(value) is not None \
        else value


def restore(x, index, old):
    """Undo a write: put `old` back at `index` (delete a key that was `MISSING`)."""
    if old is MISSING:
        del x[index]
    else:
        x[index] = old


def copy(x):
    """A copy the differentiated code may write into (the caller's object is kept)."""
    if isinstance(x, np.ndarray) or like_of(x) is not None:
        return x.copy()
    if isinstance(x, (list, dict)):
        return type(x)(x)
    if isinstance(x, tuple):  # an incoming gradient given as a tuple (a returned tape)
        return GradList(x)
    return x


def list_of(pieces):
    """A `GradList` of fresh copies of `pieces` (e.g. views into one array)."""
    return GradList(p.copy() if isinstance(p, np.ndarray) or like_of(p) is not None else p
                    for p in pieces)


def as_array(x):
    """A new array from `x`, stacking a list of tangents (forward mode of np.array)."""
    if not isinstance(x, (list, tuple)):
        return np.array(x) if like_of(x) is None else x.copy()
    if any(like_of(e) is not None for e in x):  # Dask or CuPy arrays: stacked as such
        return np.stack([as_array(e) if isinstance(e, (list, tuple)) else e for e in x])
    return np.array(list(x))


def add_at(b, index, g):
    """Add `g` into the adjoint `b` at `index` in place: np.add.at for arrays (an
    index may repeat an element), one slot for a list or dict adjoint."""
    if isinstance(b, (list, dict)):
        b[index] = _add(b[index] if not isinstance(b, dict) else b.get(index, 0.0), g)
    elif _basic(index):  # no element can repeat: a plain in-place add (10x faster)
        b[index] += g
    else:
        scatter_add(b, index, g)


def scatter_add(b, index, g):
    """np.add.at(b, index, g): an index may name an element twice, and each adds. A
    lazy array has no ufunc.at: an index with one integer array is added in rounds,
    each naming every element at most once."""
    if not is_lazy(b):
        np.add.at(b, index, g)
        return
    parts = index if type(index) is tuple else (index,)
    if any(p is None for p in parts):  # (Dask cannot write through new axes: the
        index = tuple(p for p in parts if p is not None)  # same elements without them)
        scatter_add(b, index, np.reshape(g, b[index].shape) if np.ndim(g) else g)
        return
    at = [k for k, p in enumerate(parts) if not (p is None or p is Ellipsis or isinstance(
        p, (slice, int, np.integer)))]
    if len(at) != 1 or not all(isinstance(p, slice) for k, p in enumerate(parts)
                               if k != at[0]):
        b[index] += g  # a basic index (each element once), or one Dask refuses itself
        return
    k = at[0]
    if any(n != n for n in np.shape(g)):  # NaN: a length known only once computed
        raise UsageError(
            "the gradient of indexing a Dask array with a mask computed from its values "
            "(x[x > 0]) cannot be written back lazily: Dask does not know how many "
            "elements the mask selects", hint="write np.where(mask, x, 0.0) instead of "
            "x[mask] (the same sums and products), or compute the mask first")
    flat = np.asarray(parts[k]).ravel()  # (a lazy index is computed here: it is small)
    if flat.dtype.kind == "b" or len(np.unique(flat)) == flat.size:
        b[index] += g
        return
    g = np.broadcast_to(g, b[index].shape) if np.ndim(g) < b.ndim else g
    g = np.reshape(g, g.shape[:k] + (flat.size,) + g.shape[k + np.ndim(parts[k]):])
    seen = {}
    rounds = [seen.__setitem__(i, seen.get(i, -1) + 1) or seen[i] for i in flat.tolist()]
    rounds = np.array(rounds)
    for r in range(rounds.max() + 1):
        pick = np.flatnonzero(rounds == r)
        b[parts[:k] + (flat[pick],) + parts[k + 1:]] += np.take(g, pick, axis=k)


def _basic(index) -> bool:
    """An index of ints and slices only (each element named at most once)."""
    kind = type(index)
    if kind is int or kind is slice or isinstance(index, np.integer):
        return True
    return kind is tuple and all(type(i) is int or type(i) is slice
                                 or isinstance(i, np.integer) for i in index)
