"""Runtime helpers for writes into and reads of items of arrays, lists and dicts
(`y[i] = v`, `x[i]` saved before a write, the builtin `sum` of a list).
Every helper that returns a container adjoint gives it fresh elements.
"""
from __future__ import annotations

import numpy as np

from .adjoints import broadcast_like, container_zeros, getitem_grad
from .core import unbroadcast
from .grad_containers import GradList, _is_zero, add_at, is_container
from .kinds import NUMBERS, float_dtype, like_of


def item_grad_saved(g, x, index):
    """Adjoint of `rt.item(x, index)` (an item saved before a write) in x: a key the
    dict did not have was saved as MISSING and takes no gradient."""
    if isinstance(x, dict) and index not in x:
        return container_zeros(x)
    return getitem_grad(g, x, index)


def item_grad(g, index, v):
    """The adjoint of `v` in `y[index] = v`: `g[index]` copied, summed to `v`'s shape."""
    if type(index) is int and type(g) is np.ndarray and g.ndim == 1 \
            and type(v) in (float, int, np.float64):
        return g[index]  # the common case first: one element of a vector, for a number
    if _is_zero(g):
        return 0.0
    if isinstance(g, (list, tuple, dict)):
        return g[index] if not isinstance(g, dict) else g.get(index, 0.0)
    part = g[index]
    dropped = _overwritten(index, np.shape(g))
    if dropped is not None:  # y[[0, 0, 2]] = v: NumPy keeps the last write to 0
        part = np.array(part, dtype=float_dtype(part)) if like_of(part) is None \
            else part.astype(float_dtype(part))
        part[dropped] = 0.0
    part = unbroadcast(part, v)
    return part.copy() if isinstance(part, np.ndarray) or like_of(part) is not None \
        else part


def last_writes(v, index, y):
    """`v` (shaped like `y[index]`, or broadcast to it) with the entries a later write
    of `y[index] = ...` replaces set to zero; `v` itself when no element repeats."""
    dropped = _overwritten(index, np.shape(y))
    if dropped is None:
        return v
    out = np.broadcast_to(v, np.shape(np.zeros(np.shape(y))[index]))
    out = np.array(out, dtype=float_dtype(v)) if like_of(out) is None \
        else out.astype(float_dtype(v))
    out[dropped] = 0.0
    return out


def _overwritten(index, shape):
    """For an integer-array index naming some element twice: a mask of the positions
    whose write a later one replaces. None otherwise (the common case)."""
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [np.asarray(p) for p in parts if isinstance(p, (list, np.ndarray))]
    if not arrays or all(p.dtype.kind == "b" for p in arrays):
        return None  # ints, slices and masks name each element once
    if len(arrays) == len(parts) <= len(shape) and all(p.dtype.kind in "iu" for p in arrays):
        arrays = np.broadcast_arrays(*arrays)
        flat = np.ravel_multi_index(tuple(p % n for p, n in zip(arrays, shape)),
                                    shape[:len(arrays)])
    else:  # integer arrays among ints and slices (y[i, 0], y[:, i]): number every
        flat = np.reshape(np.arange(int(np.prod(shape))), shape)[index]  # element
    return _later(flat)


def _later(positions):
    """A mask of the entries of `positions` a later entry (in C order) repeats."""
    flat = np.ravel(positions)
    if len(np.unique(flat)) == flat.size:
        return None
    _, last_reversed = np.unique(flat[::-1], return_index=True)
    keep = np.zeros(flat.size, dtype=bool)
    keep[flat.size - 1 - last_reversed] = True
    return ~keep.reshape(np.shape(positions))


def sum_list_grad(g, xs):
    """Adjoint of the builtin `sum(xs)`: `g` for every element (summed to its shape)."""
    if isinstance(xs, np.ndarray) or like_of(xs) is not None:
        return broadcast_like(g, xs)
    return GradList(_fresh(unbroadcast(g, x)) if np.ndim(x) else unbroadcast(g, x)
                    for x in xs)


def _fresh(a):
    """A new array holding `a` (of its array type), which the sweep may write into."""
    return np.array(a) if like_of(a) is None else a.copy()


def sum_of(g, like):
    """The adjoint of `sum_list_grad` in its first argument: the total of `g`,
    shaped like `like` (the inverse spread)."""
    total = 0.0
    for gi in (g if is_container(g) else [g]):
        total = total + gi
    return unbroadcast(total, like)


def add_item(b, g, x, index):
    """`b + getitem_grad(g, x, index)` for an adjoint `b` the sweep owns: written into
    b when it is an array, list or dict; a zero b that is still a number gives the
    new array (no full-size array of zeros per element read)."""
    if type(b) in NUMBERS:
        part = getitem_grad(g, x, index)
        return part if not b else b + part
    add_at(b, index, g)
    return b
