"""The runtime helpers of generated gradients, for each example: an adjoint summed or
spread to the shape of one example (`unbroadcast`, `fit`, ...), the adjoints of
products, and of functions of lists."""
from __future__ import annotations

import numpy as np

from ... import runtime as _rt
from ...runtime import Shape, shape_of, unbroadcast as _unbroadcast
from .core import _expand, _ndim, aligned, example, lift, transpose


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
