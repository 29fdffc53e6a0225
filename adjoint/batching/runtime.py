"""What batched code calls, as `batched.<name>`: the steps that need the values'
actual shapes. A batched value has its batch axis first; `batched=(1, 0)` flags
tell a helper which of its operands are batched.
"""
from __future__ import annotations

import numpy as np

from .. import runtime as _rt
from ..runtime import Shape, shape_of, unbroadcast as _unbroadcast


# ---- lifting and aligning ---------------------------------------------------------
def lift(x, size, rank=None):
    """An unbatched value as a read-only batch of `size` copies (a view), with axes of
    length 1 in front when it has fewer than `rank` dimensions."""
    if x is None or isinstance(x, str):
        return x
    if rank is not None and np.ndim(x) < rank:
        x = np.reshape(x, (1,) * (rank - np.ndim(x)) + np.shape(x))
    if type(x) is Shape:
        out = Shape((size,) + tuple(x))
        out.dtype = x.dtype
        return out
    if isinstance(x, (list, tuple)):
        return type(x)(lift(v, size) for v in x)
    x = np.asarray(x)
    return np.broadcast_to(x, (size,) + x.shape)


def lift_copy(x, size, rank=None):
    """An unbatched value as a writable batch (where a variable becomes batched: before
    a loop, at the end of a branch, before a write); a number standing for an array
    of `rank` dimensions gets axes of length 1."""
    if x is None:
        return None
    if type(x) is Shape:
        return lift(x, size)
    x = np.asarray(x)
    if rank is not None and x.ndim < rank:
        x = x.reshape((1,) * (rank - x.ndim) + x.shape)
    return np.array(np.broadcast_to(x, (size,) + x.shape))


def example(x, batched=True):
    """One example of a batched value, for a helper that reads only its shape and
    type (a saved Shape loses its batch axis); `batched`: a container's flags."""
    if not batched:
        return x
    if type(x) is Shape:
        out = Shape(tuple(x)[1:])
        out.dtype = x.dtype
        return out
    if isinstance(x, (list, tuple)):
        flags = batched if isinstance(batched, tuple) else (True,) * len(x)
        return type(x)(example(v, b) for v, b in zip(x, flags))
    x = np.asarray(x)
    return x[0] if len(x) else np.zeros(x.shape[1:], x.dtype)


def batch_size(x):
    """The batch size of a batched value (an array, or a container of them)."""
    if isinstance(x, dict):
        return batch_size(next(iter(x.values())))
    if isinstance(x, (list, tuple)):
        return batch_size(x[0])
    return len(x)


def _ndim(x, batched):
    return len(shape_of(x)) - (1 if batched else 0)


def aligned(values, batched):
    """The values with axes of length 1 after the batch axis of the batched ones, so
    that all have as many dimensions per example as the largest."""
    rank = max(_ndim(v, b) for v, b in zip(values, batched))
    return tuple(_expand(v, rank - _ndim(v, b)) if b else v for v, b in zip(values, batched))


def _expand(v, k):
    return v.reshape(v.shape[:1] + (1,) * k + v.shape[1:]) if k > 0 else v


def stack(items, axis=0, batched=True):
    """np.stack of a list whose items are batched (`batched`: one flag per item, or one
    for all), along `axis` of one example."""
    flags = batched if isinstance(batched, tuple) else (batched,) * len(items)
    size = next(len(v) for v, b in zip(items, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(items, flags)]
    return np.stack(parts, axis + 1 if axis >= 0 else axis)


def concatenate(arrays, axis=0, batched=True):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(arrays)
    size = next(len(v) for v, b in zip(arrays, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(arrays, flags)]
    if axis is None:
        return np.concatenate([p.reshape(size, -1) for p in parts], axis=1)
    return np.concatenate(parts, axis + 1 if axis >= 0 else axis)


def vstack(tup, batched=True):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(tup)
    size = next(len(v) for v, b in zip(tup, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(tup, flags)]
    parts = [p.reshape((size,) + (1,) * (2 - p.ndim + 1) + p.shape[1:]) if p.ndim < 3
             else p for p in parts]
    return np.concatenate(parts, axis=1)


def hstack(tup, batched=True):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(tup)
    size = next(len(v) for v, b in zip(tup, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(tup, flags)]
    parts = [p.reshape(size, 1) if p.ndim == 1 else p for p in parts]
    return np.concatenate(parts, axis=1 if parts[0].ndim == 2 else 2)


# ---- axes and shapes ----------------------------------------------------------------
def shift_axes(axis, x=None):
    """An axis argument of one example as one of the batch (None: every axis of one
    example of `x`)."""
    if axis is None:
        return rest_axes(x)
    if isinstance(axis, (tuple, list)):
        return tuple(a + 1 if a >= 0 else a for a in axis)
    return axis + 1 if axis >= 0 else axis


def rest_axes(x):
    """Every axis of one example: (1, ..., ndim - 1)."""
    return tuple(range(1, np.ndim(x)))


def batch_shape(size, shape):
    return (size,) + ((shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))


def size(x):
    """The number of entries of one example."""
    shape = shape_of(x)
    out = 1
    for n in shape[1:]:
        out *= n
    return out


def transpose(x, axes=None):
    nd = np.ndim(x)
    if axes is None:
        return np.transpose(x, (0,) + tuple(range(nd - 1, 0, -1)))
    return np.transpose(x, (0,) + tuple(a + 1 if a >= 0 else a + nd for a in axes))


# ---- products with ranks known only when running ---------------------------------------
def matmul(a, b, batched):
    ba, bb = batched
    ra, rb = _ndim(a, ba), _ndim(b, bb)
    if ra == 1 and ba:
        a = a[:, None, :]
    if rb == 1 and bb:
        b = b[..., None]
    out = np.matmul(*aligned((a, b), (ba, bb)) if ra > 1 and rb > 1 else (a, b))
    if rb == 1 and bb:
        out = out[..., 0]
    if ra == 1 and ba:
        out = out[..., 0, :] if out.ndim > 1 else out
    return out


def dot(a, b, batched):
    ra, rb = _ndim(a, batched[0]), _ndim(b, batched[1])
    if ra == 0 or rb == 0:
        x, y = aligned((a, b), batched)
        return x * y
    if ra <= 2 and rb <= 2:
        return matmul(a, b, batched)
    a = a if batched[0] else lift(a, len(b))
    b = b if batched[1] else lift(b, len(a))
    return np.stack([np.dot(x, y) for x, y in zip(a, b)])


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


def loop(fn, *args, batched, **kwargs):
    """fn once per example (vmap's fallback="loop" for a function without a batching
    rule), the results stacked."""
    size = next(len(a) for a, b in zip(args, batched) if b)
    out = [fn(*[a[k] if b else a for a, b in zip(args, batched)], **kwargs)
           for k in range(size)]
    if isinstance(out[0], tuple):
        return tuple(np.stack(parts) for parts in zip(*out))
    return np.stack(out)


# ---- runtime helpers of generated gradients ---------------------------------------------
def unbroadcast(g, like, batched=(1, 1)):
    """rt.unbroadcast for each example: g summed to the shape of one example of
    `like` (the result is batched when g is)."""
    bg, bl = batched
    if not bg:
        return _unbroadcast(g, example(like) if bl else like)
    shape = shape_of(like)[1:] if bl else shape_of(like)
    if type(g) is not np.ndarray:
        return g
    if g.ndim - 1 < len(shape):  # a zero not yet spread: it keeps the rank
        return _expand(g, len(shape) - g.ndim + 1)
    extra = g.ndim - 1 - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(1, 1 + extra)))
    axes = tuple(i + 1 for i, n in enumerate(shape) if n == 1 and g.shape[i + 1] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def seed(ans, grad_out, where="", name="grad_out"):
    return _rt.seed(example(ans), grad_out, where, name)


def transpose_grad(g, axes=None, batched=(1, 0)):
    return transpose(g, None if axes is None else tuple(np.argsort(axes)))


def _lifted(values, batched):
    size = next(len(v) for v, b in zip(values, batched) if b)
    return [np.asarray(v) if b else lift(v, size) for v, b in zip(values, batched)]


def outer(a, b, batched):
    a, b = _lifted((a, b), batched)
    return a.reshape(len(a), -1)[:, :, None] * b.reshape(len(b), -1)[:, None, :]


def vdot(a, b, batched):
    a, b = _lifted((a, b), batched)
    return np.sum(a.reshape(len(a), -1) * b.reshape(len(b), -1), axis=1)


def squeeze(x, axis=None, batched=(1, 0)):
    if axis is None:
        return np.squeeze(x, tuple(i for i, n in enumerate(x.shape) if n == 1 and i > 0))
    return np.squeeze(x, shift_axes(axis, x))


def broadcast_to(x, shape, batched=(1, 0)):
    shape = batch_shape(len(x), shape)
    return np.broadcast_to(_expand(x, len(shape) - x.ndim), shape)


def broadcast_like(g, x, batched=(1, 1)):
    """rt.broadcast_like per example: g spread over one example's shape of x."""
    bg, bx = batched
    shape = shape_of(x)[1:] if bx else shape_of(x)
    if not bg:
        return _rt.broadcast_like(g, example(x) if bx else x)
    g = np.asarray(g)
    size = len(g)
    return np.array(np.broadcast_to(_expand(g, len(shape) - g.ndim + 1), (size,) + shape))


def fit(g, x, batched=(1, 1)):
    """rt.fit per example: a zero adjoint given the shape of one example of x (a
    container: item by item)."""
    bg, bx = batched
    if not bg:
        return _rt.fit(g, example(x, bx) if bx else x)
    if isinstance(x, (list, tuple)) and type(x) is not Shape:
        gs = g if isinstance(g, (list, tuple)) else [g] * len(x)
        flags = bx if isinstance(bx, tuple) else (bx,) * len(x)
        bgs = bg if isinstance(bg, tuple) else (bg,) * len(x)
        return _rt.GradList(fit(gi, xi, (b1, b2)) for gi, xi, b1, b2 in
                            zip(gs, x, bgs, flags))
    shape = shape_of(x)[1:] if bx else shape_of(x)
    g = np.asarray(g)
    if g.shape[1:] == shape:
        return g
    return g.reshape(g.shape[:1] + (1,) * (len(shape) - g.ndim + 1) + g.shape[1:]) + \
        np.zeros(shape, _rt.float_dtype(example(x) if bx else x))


def shaped(g, x, batched=(1, 1)):
    bg, bx = batched
    shape = shape_of(x)[1:] if bx else shape_of(x)
    if not bg:
        return _rt.shaped(g, example(x) if bx else x)
    g = np.asarray(g)
    return np.broadcast_to(_expand(g, len(shape) - g.ndim + 1), (len(g),) + shape)


def reshape_like(g, x, batched=(1, 1)):
    bg, bx = batched
    shape = shape_of(x)[1:] if bx else shape_of(x)
    if not bg:
        return np.reshape(g, shape)
    return np.reshape(g, (len(g),) + tuple(shape))


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


def _matrices(g, a, b, batched):
    """g, a, b lifted to the batch, vectors as matrices (a row, b a column), all with
    as many stack axes: (g, a, b, a was a vector, b was a vector)."""
    size = next(len(v) for v, f in zip((g, a, b), batched) if f)
    g, a, b = [np.asarray(v) if f else lift(v, size) for v, f in zip((g, a, b), batched)]
    va, vb = a.ndim == 2, b.ndim == 2
    if va:
        a = a[:, None, :]
    if vb:
        b = b[..., None]
    if va and vb:
        g = g.reshape(g.shape + (1, 1))
    elif va:
        g = g[..., None, :]
    elif vb:
        g = g[..., None]
    if g.ndim < max(a.ndim, b.ndim):  # a zero adjoint (a number): spread it
        g = np.broadcast_to(_expand(g, max(a.ndim, b.ndim) - g.ndim), (a @ b).shape)
    n = max(g.ndim, a.ndim, b.ndim)
    g, a, b = (_expand(v, n - v.ndim) for v in (g, a, b))
    return g, a, b, va, vb


def _to_example_shape(out, x_shape, size):
    """Sum `out` (batched) down to one example's shape x_shape."""
    extra = out.ndim - 1 - len(x_shape)
    if extra > 0:
        out = out.sum(axis=tuple(range(1, 1 + extra)))
    axes = tuple(i + 1 for i, n in enumerate(x_shape) if n == 1 and out.shape[i + 1] != 1)
    if axes:
        out = out.sum(axis=axes, keepdims=True)
    return out.reshape((size,) + tuple(x_shape))


def matmul_ga(g, a, b, batched=(1, 1, 1)):
    """rt.matmul_ga per example: the adjoint of `a @ b` in a."""
    bg, ba, bb = batched
    if not bg and not bb:
        return _rt.matmul_ga(g, example(a) if ba else a, b)
    a_shape = tuple(shape_of(a)[1:] if ba else shape_of(a))
    g, a, b, va, vb = _matrices(g, a, b, batched)
    bt = np.swapaxes(b, -1, -2)
    out = g * bt if vb else g @ bt  # (an outer product per example: a multiply)
    if va:
        out = out[..., 0, :]
    return _to_example_shape(out, a_shape, len(out))


def matmul_gb(g, a, b, batched=(1, 1, 1)):
    """rt.matmul_gb per example: the adjoint of `a @ b` in b."""
    bg, ba, bb = batched
    if not bg and not ba:
        return _rt.matmul_gb(g, a, example(b) if bb else b)
    b_shape = tuple(shape_of(b)[1:] if bb else shape_of(b))
    g, a, b, va, vb = _matrices(g, a, b, batched)
    at = np.swapaxes(a, -1, -2)
    out = at * g if va else at @ g
    if vb:
        out = out[..., 0]
    return _to_example_shape(out, b_shape, len(out))


def dot_ga(g, a, b, batched=(1, 1, 1)):
    ra, rb = _ndim(a, batched[1]), _ndim(b, batched[2])
    if ra == 0 or rb == 0:
        return unbroadcast(_times(g, b, batched[0], batched[2]), a,
                           (batched[0] or batched[2], batched[1]))
    return matmul_ga(g, a, b, batched)


def dot_gb(g, a, b, batched=(1, 1, 1)):
    ra, rb = _ndim(a, batched[1]), _ndim(b, batched[2])
    if ra == 0 or rb == 0:
        return unbroadcast(_times(g, a, batched[0], batched[1]), b,
                           (batched[0] or batched[1], batched[2]))
    return matmul_gb(g, a, b, batched)


def _times(x, y, bx, by):
    x, y = aligned((x, y), (bx, by)) if bx or by else (x, y)
    return x * y


def erf(x):
    try:
        from scipy.special import erf as f
    except ImportError:  # (math.erf, one number at a time)
        import math
        f = np.vectorize(math.erf, otypes=[float])
    return f(x)


def erfc(x):
    return 1.0 - erf(x)


def concatenate_grad(g, arrays, axis=0, batched=()):
    """rt.concatenate_grad per example: the pieces of g shaped like the arrays."""
    size = len(g)
    flags = batched if isinstance(batched, tuple) else (batched,) * len(arrays)
    shapes = [shape_of(a)[1:] if b else shape_of(a) for a, b in zip(arrays, flags)]
    if axis is None:
        sizes = [int(np.prod(s)) for s in shapes]
        flat = np.split(np.reshape(g, (size, -1)), np.cumsum(sizes)[:-1], axis=1)
        return _rt.list_of(np.reshape(p, (size,) + tuple(s)) for p, s in zip(flat, shapes))
    ax = axis + 1 if axis >= 0 else axis
    cuts = np.cumsum([s[axis] for s in shapes])[:-1]
    return _rt.list_of(np.split(g, cuts, axis=ax))


def unstack(g, axis=0, n=None, batched=()):
    ax = axis + 1 if axis >= 0 else axis
    return _rt.list_of(np.take(g, i, axis=ax) for i in range(np.shape(g)[ax]))


def sum_list_grad(g, xs, batched=(1, 1)):
    """rt.sum_list_grad per example: g for each item of xs (each row of an array)."""
    flags = batched[1]
    if isinstance(xs, np.ndarray):
        shape = xs.shape[1:] if flags else xs.shape
        return np.array(np.broadcast_to(_expand(g, len(shape) - g.ndim + 1),
                                        (len(g),) + tuple(shape)))
    flags = flags if isinstance(flags, tuple) else (flags,) * len(xs)
    return _rt.GradList(unbroadcast(g, x, (1, b)) for x, b in zip(xs, flags))


def vstack_grad(g, tup, batched=()):
    """rt.vstack_grad per example: the pieces of g (rows of 2-D items) shaped like
    the items of tup."""
    return _stack_pieces(g, tup, batched, 2, 0)


def hstack_grad(g, tup, batched=()):
    return _stack_pieces(g, tup, batched, 1, None)


def _stack_pieces(g, tup, batched, least, axis):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(tup)
    shapes = [tuple(shape_of(a)[1:] if b else shape_of(a)) for a, b in zip(tup, flags)]
    grown = [(1,) * (least - len(s)) + s if len(s) < least else s for s in shapes]
    if axis is None:  # hstack: along the first axis of vectors, else the second
        axis = 0 if len(grown[0]) == 1 else 1
    cuts = np.cumsum([s[axis] for s in grown])[:-1]
    pieces = np.split(g, cuts, axis=axis + 1)
    return _rt.list_of(np.reshape(p, (len(g),) + s) for p, s in zip(pieces, shapes))


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


def array(x, batched=1):
    """np.array of a (nested) list whose items are batched or not (`batched`: the
    nested flags): one example's array, for every example, along axis 1 on."""
    out, _ = _array(x, batched)
    return out


def _array(x, flags):
    if not isinstance(x, (list, tuple)) or type(x) is Shape:
        return (np.asarray(x), bool(flags)) if not isinstance(flags, tuple) else \
            (np.asarray(x), any(flags))
    flags = flags if isinstance(flags, tuple) else (flags,) * len(x)
    parts = [_array(v, f) for v, f in zip(x, flags)]
    if not any(b for _, b in parts):
        return np.array([p for p, _ in parts]), False
    size = next(len(p) for p, b in parts if b)
    return np.stack([p if b else lift(p, size) for p, b in parts], axis=1), True


def cast_grad(g, x, dtype=None, batched=(1, 1)):
    """rt.cast_grad per example (for np.array of a list: one piece of g per item)."""
    bg, bx = batched[0], batched[1]
    if not bg:
        return _rt.cast_grad(g, example(x, bx) if bx else x, dtype)
    if isinstance(x, (list, tuple)) and type(x) is not Shape:
        flags = bx if isinstance(bx, tuple) else (bx,) * len(x)
        g = np.asarray(g)
        return _rt.list_of(cast_grad(g[:, i], xi, dtype, (1, fi))
                           for i, (xi, fi) in enumerate(zip(x, flags)))
    return _rt.cast_grad(g, x if bx else lift(x, len(g)), dtype)
