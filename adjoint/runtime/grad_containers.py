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
    return value.copy() if isinstance(value, np.ndarray) else value


def restore(x, index, old):
    """Undo a write: put `old` back at `index` (delete a key that was `MISSING`)."""
    if old is MISSING:
        del x[index]
    else:
        x[index] = old


def copy(x):
    """A copy the differentiated code may write into (the caller's object is kept)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (list, dict)):
        return type(x)(x)
    if isinstance(x, tuple):  # an incoming gradient given as a tuple (a returned tape)
        return GradList(x)
    return x


def list_of(pieces):
    """A `GradList` of fresh copies of `pieces` (e.g. views into one array)."""
    return GradList(p.copy() if isinstance(p, np.ndarray) else p for p in pieces)


def as_array(x):
    """A new array from `x`, stacking a list of tangents (forward mode of np.array)."""
    return np.array(x) if not isinstance(x, (list, tuple)) else np.array(list(x))


def add_at(b, index, g):
    """Add `g` into the adjoint `b` at `index` in place: np.add.at for arrays (an
    index may repeat an element), one slot for a list or dict adjoint."""
    if isinstance(b, (list, dict)):
        b[index] = _add(b[index] if not isinstance(b, dict) else b.get(index, 0.0), g)
    elif _basic(index):  # no element can repeat: a plain in-place add (10x faster)
        b[index] += g
    else:
        np.add.at(b, index, g)


def _basic(index) -> bool:
    """An index of ints and slices only (each element named at most once)."""
    kind = type(index)
    if kind is int or kind is slice or isinstance(index, np.integer):
        return True
    return kind is tuple and all(type(i) is int or type(i) is slice
                                 or isinstance(i, np.integer) for i in index)
