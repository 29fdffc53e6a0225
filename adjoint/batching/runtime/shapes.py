"""Functions that NumPy applies to one array as a whole, for each example: products
of flattened arrays, atleast_*, tile, pad, diag, kron, select, average, and their
adjoints."""
from __future__ import annotations

import numpy as np

from ... import runtime as _rt
from ...runtime import shape_of
from .adjoints import unbroadcast
from .core import _expand, aligned, batch_shape, batch_size, example, lift, shift_axes


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


def erf(x):
    try:
        from scipy.special import erf as f
    except ImportError:  # (math.erf, one number at a time)
        import math
        f = np.vectorize(math.erf, otypes=[float])
    return f(x)


def erfc(x):
    return 1.0 - erf(x)


# ---- shape functions one example at a time: atleast, tile, pad, diag, kron -------------
def atleast(x, k, batched=(1,)):
    """np.atleast_{k}d for each example."""
    r = x.ndim - 1
    if r >= k:
        return x
    if k == 3 and r == 2:
        return x[..., None]
    if k == 3 and r == 1:
        return x[:, None, :, None]
    return x.reshape((len(x),) + (1,) * (k - r) + x.shape[1:])


def atleast_1d(x, batched=(1,)):
    return atleast(x, 1)


def atleast_2d(x, batched=(1,)):
    return atleast(x, 2)


def atleast_3d(x, batched=(1,)):
    return atleast(x, 3)


def tile(a, reps, batched=(1, 0)):
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    r = a.ndim - 1
    d = max(r, len(reps))
    a = a.reshape((len(a),) + (1,) * (d - r) + a.shape[1:])
    return np.tile(a, (1,) + (1,) * (d - len(reps)) + reps)


def _widths(pad_width, r):
    """pad_width for the batch: (0, 0) for the batch axis, then one pair per axis."""
    pairs = np.broadcast_to(np.asarray(pad_width, dtype=int), (r, 2))
    return ((0, 0),) + tuple(tuple(int(n) for n in p) for p in pairs)


def pad(array, pad_width, mode="constant", batched=(1, 0, 0)):
    return np.pad(array, _widths(pad_width, np.ndim(array) - 1), mode=mode)


def pad_grad(g, array, pad_width, mode="constant", batched=(1, 0, 0, 0)):
    bg, ba = batched[0], batched[1]
    if not bg:
        return _rt.pad_grad(g, example(array) if ba else array, pad_width, mode)
    like = array if ba else lift(array, len(g))
    return _rt.pad_grad(g, like, _widths(pad_width, len(shape_of(like)) - 1), mode)


def tile_grad(g, a, reps, batched=(1, 0, 0)):
    bg, ba = batched[0], batched[1]
    if not bg:
        return _rt.tile_grad(g, example(a) if ba else a, reps)
    shape = tuple(shape_of(a)[1:] if ba else shape_of(a))
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    d = max(len(shape), len(reps))
    full = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    gr = np.reshape(g, (len(g),) + tuple(n for pair in zip(reps, full) for n in pair))
    return np.reshape(np.sum(gr, axis=tuple(range(1, 2 * d, 2))), (len(g),) + shape)


def diag(v, k=0, batched=(1, 0)):
    """np.diag for each example: a matrix from a vector, or a matrix's diagonal."""
    if v.ndim == 3:
        return np.diagonal(v, k, axis1=1, axis2=2)
    n = v.shape[1] + abs(k)
    out = np.zeros((len(v), n, n), v.dtype)
    i = np.arange(v.shape[1])
    out[:, i + max(-k, 0), i + max(k, 0)] = v
    return out


def diag_grad(g, v, k=0, batched=(1, 0, 0)):
    bg, bv = batched[0], batched[1]
    if not bg:
        return _rt.diag_grad(g, example(v) if bv else v, k)
    shape = tuple(shape_of(v)[1:] if bv else shape_of(v))
    if len(shape) == 1:
        return np.diagonal(g, k, axis1=1, axis2=2).copy()
    out = np.zeros((len(g),) + shape, np.result_type(g, 1.0))
    i = np.arange(g.shape[1])
    out[:, i + max(-k, 0), i + max(k, 0)] = g
    return out


def kron(a, b, batched=(1, 1)):
    """np.kron for each example (operands of one rank after padding with axes)."""
    size = len(a) if batched[0] else len(b)
    a, b = (np.asarray(v) if f else lift(v, size) for v, f in zip((a, b), batched))
    d = max(a.ndim, b.ndim) - 1
    a = a.reshape((size,) + (1,) * (d - a.ndim + 1) + a.shape[1:])
    b = b.reshape((size,) + (1,) * (d - b.ndim + 1) + b.shape[1:])
    out = a.reshape((size,) + tuple(n for s in a.shape[1:] for n in (s, 1))) * \
        b.reshape((size,) + tuple(n for s in b.shape[1:] for n in (1, s)))
    return out.reshape((size,) + tuple(x * y for x, y in zip(a.shape[1:], b.shape[1:])))


def select(condlist, choicelist, default=0, batched=()):
    """np.select for each example: the lists' items lined up with the batch."""
    conds, choices = list(condlist), list(choicelist)
    fc, fch, fd = batched
    fc = fc if isinstance(fc, tuple) else (fc,) * len(conds)
    fch = fch if isinstance(fch, tuple) else (fch,) * len(choices)
    values = conds + choices + [default]
    flags = tuple(fc) + tuple(fch) + (fd,)
    aligned_ = aligned(tuple(np.asarray(v) for v in values), flags)
    n = len(conds)
    return np.select(list(aligned_[:n]), list(aligned_[n:2 * n]), aligned_[-1])


def average(a, axis=None, weights=None, returned=False, keepdims=False, batched=()):
    """np.average for each example, the weights spread over one example of a."""
    ba, bw = batched[0], batched[2] if len(batched) > 2 else 0
    size = len(a) if ba else len(weights)
    a = np.asarray(a) if ba else lift(a, size)
    r = a.ndim - 1
    ax = shift_axes(axis, a) if axis is not None else tuple(range(1, r + 1))
    if weights is None:
        return np.mean(a, axis=ax, keepdims=keepdims)
    w = np.asarray(weights) if bw else lift(weights, size)
    if w.ndim != a.ndim:  # 1-D weights along one axis
        k = ax if isinstance(ax, int) else ax[0]
        shape = [1] * a.ndim
        shape[0], shape[k] = size, w.shape[1]
        w = w.reshape(shape)
    w = np.broadcast_to(w, a.shape)
    return np.sum(a * w, axis=ax, keepdims=keepdims) / np.sum(w, axis=ax,
                                                             keepdims=keepdims)


def _kron_parts(g, a, b, batched):
    size = next(len(v) for v, f in zip((g, a, b), batched) if f)
    g, a, b = (np.asarray(v) if f else lift(v, size) for v, f in zip((g, a, b), batched))
    d = max(a.ndim, b.ndim) - 1
    sa = (1,) * (d - a.ndim + 1) + a.shape[1:]
    sb = (1,) * (d - b.ndim + 1) + b.shape[1:]
    gr = g.reshape((size,) + tuple(s for pair in zip(sa, sb) for s in pair))
    return gr, a, b, sa, sb, d, size


def kron_ga(g, a, b, batched=(1, 1, 1)):
    """rt.kron_ga per example: the adjoint of np.kron(a, b) in a."""
    if not batched[0] and not batched[2]:
        return _rt.kron_ga(g, example(a), b)
    gr, a, b, sa, sb, d, size = _kron_parts(g, a, b, batched)
    bb = b.reshape((size,) + tuple(s for n in sb for s in (1, n)))
    return np.sum(gr * bb, axis=tuple(range(2, 2 * d + 1, 2))).reshape(a.shape)


def kron_gb(g, a, b, batched=(1, 1, 1)):
    if not batched[0] and not batched[1]:
        return _rt.kron_gb(g, a, example(b))
    gr, a, b, sa, sb, d, size = _kron_parts(g, a, b, batched)
    aa = a.reshape((size,) + tuple(s for n in sa for s in (n, 1)))
    return np.sum(gr * aa, axis=tuple(range(1, 2 * d, 2))).reshape(b.shape)


def select_grad(g, condlist, choicelist, batched=(1, 0, 0)):
    """rt.select_grad per example: g where each choice was the first true one."""
    bg, fc, fch = batched
    size = len(g) if bg else batch_size(condlist)
    conds = [np.asarray(c) for c in condlist]
    fc = fc if isinstance(fc, tuple) else (fc,) * len(conds)
    fch = fch if isinstance(fch, tuple) else (fch,) * len(choicelist)
    g = np.asarray(g) if bg else lift(g, size)
    rank = g.ndim - 1
    taken = np.zeros(g.shape, dtype=bool)
    out = []
    for c, b, choice, bc in zip(conds, fc, choicelist, fch):
        c = _expand(c, rank - c.ndim + 1) if b else c
        mine = np.logical_and(c, ~taken)
        taken = taken | mine
        out.append(unbroadcast(np.where(mine, g, 0.0), choice, (1, bc)))
    return out


def average_grad(g, a, axis=None, weights=None, keepdims=False, batched=(1, 1, 0, 0, 0)):
    """rt.average_grad per example: g spread over a, times weights over their sum."""
    bg, ba, bw = batched[0], batched[1], batched[3] if len(batched) > 3 else 0
    if not bg and not bw:
        return _rt.average_grad(g, example(a) if ba else a, axis, weights, keepdims)
    size = len(g) if bg else len(weights)
    a = np.asarray(a) if ba else lift(a, size)
    g = np.asarray(g) if bg else lift(g, size)
    ax = shift_axes(axis, a) if axis is not None else tuple(range(1, a.ndim))
    spread = _rt.sum_grad(g, a, ax, keepdims)
    if weights is None:
        n = np.prod([a.shape[k] for k in (ax if isinstance(ax, tuple) else (ax,))])
        return spread / n
    w = np.asarray(weights) if bw else lift(weights, size)
    if w.ndim != a.ndim:
        k = ax if isinstance(ax, int) else ax[0]
        shape = [1] * a.ndim
        shape[0], shape[k] = size, w.shape[1]
        w = w.reshape(shape)
    w = np.broadcast_to(w, a.shape)
    return spread * w / np.sum(w, axis=ax, keepdims=True)
