"""Indexing for each example: positions that differ between examples become
integer arrays that pick every entry (`advanced`), and the adjoints of reads and
writes (`getitem_grad`, `item`, `item_grad`)."""
from __future__ import annotations

import numpy as np

from ... import runtime as _rt
from ...runtime import shape_of
from .adjoints import unbroadcast
from .core import _expand, batch_size, example, lift


# ---- indexing -----------------------------------------------------------------------
def getitem(x, index, batched):
    """x[index] for each example, where x or parts of the index are batched
    (`batched`: x's flag, then one per part of the index, or one for all)."""
    flags = _part_flags(index, batched)
    if not batched[0]:
        x = lift(x, _size_of(index, flags))
    return x[advanced(x.shape, index, flags)]


def index(y, index, batched):
    """The index of `y[index] = v` for each example: arrays that pick every position."""
    return advanced(np.shape(y), index, _part_flags(index, batched))


def _part_flags(index, batched):
    parts = index if isinstance(index, tuple) else (index,)
    flags = tuple(batched[1:])
    if len(flags) == 1 and len(parts) != 1:  # one flag for a whole (batched) tuple
        flags = tuple(flags[0] and not isinstance(p, slice) and p is not None
                      and p is not Ellipsis for p in parts)
    return flags


def _size_of(index, flags):
    parts = index if isinstance(index, tuple) else (index,)
    return next(len(p) for p, b in zip(parts, flags) if b)


def advanced(shape, index, flags):
    """An index of integer arrays, one per axis of a batched array of `shape`, that
    picks for each example what `index` (with batched parts) picks from it; the
    result has the batch axis first, then one example's axes in NumPy's order."""
    size, dims = shape[0], list(shape[1:])
    parts = list(index) if isinstance(index, tuple) else [index]
    pflags = list(flags)
    parts, pflags = _expanded(parts, pflags, len(dims))
    # each part: ("slice", arange) | ("adv", array, batched) | ("new",)
    items, d = [], 0
    for p, b in zip(parts, pflags):
        if p is None:
            items.append(("new",))
        elif isinstance(p, slice):
            items.append(("slice", np.arange(dims[d])[p]))
            d += 1
        else:
            p = np.asarray(p)
            if p.dtype == bool:
                if b:
                    raise IndexError("a mask that differs between examples selects a "
                                     "different number of entries per example")
                for q in np.nonzero(p):
                    items.append(("adv", q, False))
                d += p.ndim
                continue
            items.append(("adv", p, b))
            d += 1
    adv = [i for i, it in enumerate(items) if it[0] == "adv"]
    adv_shape = np.broadcast_shapes(*[it[1].shape[1:] if it[2] else it[1].shape
                                      for it in items if it[0] == "adv"]) if adv else ()
    together = adv == list(range(adv[0], adv[-1] + 1)) if adv else True
    # the result's axes after the batch: ("item", k) for a slice or newaxis item k,
    # ("adv",) for the block of advanced dimensions
    order = []
    for i, it in enumerate(items):
        if it[0] == "adv":
            if together and ("adv",) not in order:
                order.append(("adv",))
        else:
            order.append(("item", i))
    if not together and adv:
        order.insert(0, ("adv",))
    rank = 1 + sum(len(adv_shape) if o == ("adv",) else 1 for o in order)
    starts, at = {}, 1
    for o in order:
        starts[o] = at
        at += len(adv_shape) if o == ("adv",) else 1
    out = [np.arange(size).reshape((size,) + (1,) * (rank - 1))]
    new_axes = []
    for i, it in enumerate(items):
        if it[0] == "new":
            new_axes.append(starts[("item", i)])
        elif it[0] == "slice":
            at = starts[("item", i)]
            out.append(it[1].reshape((1,) * at + (-1,) + (1,) * (rank - at - 1)))
        else:
            a, b = it[1], it[2]
            at = starts[("adv",)]
            inner = a.shape[1:] if b else a.shape
            inner = (1,) * (len(adv_shape) - len(inner)) + tuple(inner)
            lead = (size if b else 1,) + (1,) * (at - 1)
            out.append(a.reshape(lead + inner + (1,) * (rank - at - len(adv_shape))))
    if new_axes:  # newaxis items: one more axis of length 1 on x, indexed by 0
        return _with_new_axes(out, new_axes)
    return tuple(out)


def _expanded(parts, flags, ndim):
    """The index with its Ellipsis (or the missing trailing axes) as full slices."""
    used = sum(np.ndim(p) if isinstance(p, np.ndarray) and p.dtype == bool and not b
               else 0 if p is None or p is Ellipsis else 1 for p, b in zip(parts, flags))
    if any(p is Ellipsis for p in parts):
        k = next(i for i, p in enumerate(parts) if p is Ellipsis)
        fill = [slice(None)] * (ndim - used)
        return parts[:k] + fill + parts[k + 1:], flags[:k] + [False] * len(fill) + \
            flags[k + 1:]
    fill = [slice(None)] * (ndim - used)
    return parts + fill, flags + [False] * len(fill)


def _with_new_axes(out, new_axes):
    raise IndexError("indexing with None together with batched positions is not "
                     "supported; index first, then add the axis with np.expand_dims")


def getitem_grad(g, x, index, batched=(1, 1, 0)):
    """rt.getitem_grad per example: zeros shaped like one example of x, g added at
    index (the result is batched when g or the index is)."""
    bg, bx, bi = batched
    shape = tuple(shape_of(x)[1:] if bx else shape_of(x))
    if not bg and not bi:
        return _rt.getitem_grad(g, example(x) if bx else x, index)
    size = len(g) if bg else batch_size(index)
    dtype = _rt.float_dtype(example(x) if bx else x, example(g) if bg else g)
    out = np.zeros((size,) + shape, dtype)
    parts = index if isinstance(index, tuple) else (index,)
    if bi:
        ar = np.arange(size)
        idx = (ar,) + tuple(parts)
        np.add.at(out, idx, g)
        return out
    target_rank = len(out[(0,) + parts].shape) if size else 0
    if bg:
        g = np.asarray(g)
        g = _expand(g, target_rank - g.ndim + 1)
    view = (slice(None),) + parts
    if _basic(index):
        out[view] += g
    else:
        np.add.at(out, view, g)
    return out


def _basic(index) -> bool:
    """An index of ints and slices only (each entry named at most once)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) for i in parts)


def item(x, index, batched=(1, 0)):
    """rt.item per example: x[index], copied."""
    bx, bi = batched
    if isinstance(x, (dict, list)) and not bi:
        return _rt.item(x, index)
    if bi:
        return getitem(x, index, batched)
    value = lift(x, 1)[0] if not bx else x
    parts = index if isinstance(index, tuple) else (index,)
    return np.array(value[(slice(None),) + parts])


def item_grad(g, index, like, batched=(1, 0, 0)):
    """rt.item_grad per example: g at index, summed to the shape of one example of
    like (a repeated index keeps its last write only: not followed here)."""
    bg, bi, bl = batched
    if not bg:
        g = lift(g, batch_size(index))
    part = getitem(g, index, (1, bi)) if bi else \
        np.array(g[(slice(None),) + (index if isinstance(index, tuple) else (index,))])
    return unbroadcast(part, like, (1, bl))
