"""Runtime helpers behind the NumPy rule tables (re-exported by `adjoint.runtime`).

Each helper is pure (never mutates its arguments). Most are linear in `g` and use
the other arguments only for shapes; their rules live in `adjoint/rules/runtime.py`.
"""
from __future__ import annotations

import numpy as np

from .core import Shape, _axes, float_dtype, sum_grad, unbroadcast

__all__ = ["cast_grad", "prod_grad", "reduce_jvp", "var_grad", "count", "cumsum_grad",
           "diagonal_grad", "trace_grad", "diag_grad", "take_grad", "take_along_axis_grad",
           "select_grad", "select_default_grad", "average_grad", "average_wgrad",
           "average_wjvp", "digamma", "polygamma", "logsumexp_grad", "linspace_grad",
           "linspace_spread", "max_grad", "max_jvp"]


def cast_grad(g, x, dtype=None):
    """`g` in `x`'s floating dtype (integer inputs keep a float gradient);
    for `np.array(list)`: one (copied) slice of `g` per element. A cast to an integer
    or boolean `dtype` is piecewise constant: its gradient is zero."""
    if dtype is None and (type(x) is float or type(x) is np.float64) \
            and (type(g) is float or type(g) is np.float64):
        return g  # the common case first: one number of np.array([a, b, c])
    if dtype is not None and not _inexact(dtype):
        return np.zeros(np.shape(x), dtype=float_dtype(x))
    if isinstance(x, (list, tuple)) and type(x) is not Shape:
        from .containers import list_of
        if np.ndim(g) == 0:  # a zero adjoint not yet spread (e.g. after a break)
            return list_of(cast_grad(g, v) for v in x)
        return list_of(cast_grad(g[i], v) for i, v in enumerate(x))
    if isinstance(g, (list, tuple)):  # pieces of a split, stacked back (its transpose)
        g = np.asarray(g)
    dtype = np.result_type(x)
    if np.issubdtype(dtype, np.floating) and np.result_type(g) != dtype:
        return np.asarray(g, dtype=dtype)
    return g


def cast_jvp(dx, dtype=None):
    """Tangent of a conversion: the tangent itself as a new array (in `dtype` when that
    is a float type), zero for a cast to an integer or boolean type."""
    from .containers import as_array
    if dtype is None:
        return as_array(dx)
    if not _inexact(dtype):
        return np.zeros(np.shape(as_array(dx)), dtype=float)
    return as_array(dx).astype(dtype)


def _inexact(dtype) -> bool:
    return np.issubdtype(np.dtype(dtype), np.inexact)


def _expand(g, ndim, axis, keepdims):
    if not keepdims and axis is not None:
        g = np.expand_dims(g, _axes(axis, ndim))
    return g


def count(x, axis=None):
    """How many elements of `x` a reduction over `axis` combines."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in _axes(axis, len(shape))]))


def prod_grad(g, x, axis=None, keepdims=False):
    """Adjoint of `np.prod`: the product of the other elements (exact at zeros)."""
    x = np.asarray(x)
    if x.size == 0:  # an empty product is 1 and has nothing to differentiate
        return np.zeros(x.shape, dtype=float_dtype(x))
    axes = tuple(range(x.ndim)) if axis is None else _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    others = np.transpose(others, np.argsort(rest + list(axes)))
    return _expand(g, x.ndim, axis, keepdims) * others


def reduce_jvp(weights, dx, axis=None, keepdims=False):
    """Tangent of a reduction whose adjoint of ones is `weights`."""
    return np.sum(weights * dx, axis=axis, keepdims=keepdims)


def var_grad(g, x, axis=None, ddof=0, keepdims=False):
    """Adjoint of `np.var(x, axis, ddof=ddof, keepdims)`."""
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return 2.0 * sum_grad(g, x, axis, keepdims) * centred / (count(x, axis) - ddof)


def cumsum_grad(g, x, axis=None):
    """Adjoint of `np.cumsum(x, axis)`: reversed cumulative sum of `g`."""
    ax = 0 if axis is None else axis
    out = np.flip(np.cumsum(np.flip(g, ax), ax), ax)
    return np.reshape(out, np.shape(x))


def cumprod_grad(g, x, ans, axis=None):
    """Adjoint of `ans = np.cumprod(x, axis)` (x flattened when axis is None); exact
    where x has zeros, by the recurrence r_i = g_i + x_(i+1) r_(i+1)."""
    x = np.asarray(x)
    if np.all(x != 0):
        return cumsum_grad(g * ans, x, axis) / x
    xs, gs, ax = _along(x, np.broadcast_to(g, np.shape(ans)), axis)
    r = np.array(gs, dtype=float_dtype(x, gs))
    for i in range(xs.shape[0] - 2, -1, -1):
        r[i] += xs[i + 1] * r[i + 1]
    out = _before(xs) * r
    return np.reshape(np.moveaxis(out, 0, ax) if axis is not None else out, x.shape)


def cumprod_jvp(t, x, ans, axis=None):
    """Tangent of `np.cumprod(x, axis)` along t; exact where x has zeros, by the
    recurrence d_j = d_(j-1) x_j + (x_0 ... x_(j-1)) t_j."""
    x = np.asarray(x)
    if np.all(x != 0):
        return ans * np.cumsum(t / x, axis)
    xs, ts, ax = _along(x, np.broadcast_to(t, x.shape), axis)
    before = _before(xs)
    d = np.array(before * ts, dtype=float_dtype(x, ts))
    for j in range(1, xs.shape[0]):
        d[j] += d[j - 1] * xs[j]
    return np.moveaxis(d, 0, ax) if axis is not None else d


def _along(x, g, axis):
    """x and g with the cumulative axis first (flattened when axis is None)."""
    if axis is None:
        return x.ravel(), np.ravel(g), 0
    ax = axis % x.ndim
    return np.moveaxis(x, ax, 0), np.moveaxis(g, ax, 0), ax


def _before(xs):
    """The product of the elements before each one along the first axis (1 first)."""
    ones = np.ones((1,) + xs.shape[1:], dtype=xs.dtype)
    return np.cumprod(np.concatenate([ones, xs[:-1]], 0), 0)


def average_grad(g, a, axis=None, weights=None, keepdims=False):
    if weights is None:
        return sum_grad(g, a, axis, keepdims) / count(a, axis)
    w = _weights_like(weights, a, axis)
    return sum_grad(g, a, axis, keepdims) * w / np.sum(w, axis=axis, keepdims=True)


def average_wgrad(g, a, ans, axis=None, weights=None, keepdims=False):
    w = _weights_like(weights, a, axis)
    ans = _expand(ans, np.ndim(a), axis, keepdims)
    out = sum_grad(g, a, axis, keepdims) * (a - ans) / np.sum(w, axis=axis, keepdims=True)
    if np.ndim(weights) != np.ndim(a):  # 1-D weights along `axis`
        other = tuple(i for i in range(np.ndim(a)) if i != axis % np.ndim(a))
        out = np.sum(out, axis=other)
    return out


def average_wjvp(dw, a, ans, axis=None, weights=None, keepdims=False):
    w, dw = _weights_like(weights, a, axis), _weights_like(dw, a, axis)
    centred = a - _expand(ans, np.ndim(a), axis, keepdims)
    return np.sum(dw * centred, axis=axis, keepdims=keepdims) / \
        np.sum(w, axis=axis, keepdims=keepdims)


def _weights_like(w, a, axis):
    if np.ndim(w) == np.ndim(a):
        return np.asarray(w)
    shape = [1] * np.ndim(a)
    shape[axis % np.ndim(a)] = -1
    return np.reshape(w, shape)


# ---- diagonals and indexing --------------------------------------------------------
def diagonal_grad(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of `np.diagonal(a, offset, axis1, axis2)`."""
    a = np.asarray(a)
    out = np.zeros(a.shape, dtype=np.result_type(g, 1.0))
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = np.shape(g)[-1]
    i = np.arange(n) + max(-offset, 0)
    moved[..., i, i + offset] = g  # `moved` is a view of the fresh `out`
    return out


def trace_grad(g, a, offset=0, axis1=0, axis2=1):
    n = np.diagonal(np.asarray(a), offset, axis1, axis2).shape[-1]
    return diagonal_grad(np.multiply.outer(g, np.ones(n)), a, offset, axis1, axis2)


def diag_grad(g, v, k=0):
    """Adjoint of `np.diag(v, k)` (builds a matrix from a vector, or extracts)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    return diagonal_grad(g, v, k)


def take_grad(g, a, indices, axis=None):
    out = np.zeros(np.size(a) if axis is None else np.shape(a),
                   dtype=np.result_type(g, 1.0))
    moved = np.moveaxis(out, 0 if axis is None else axis, 0)
    gm = np.moveaxis(g, tuple(range(axis or 0, (axis or 0) + np.ndim(indices))),
                     tuple(range(np.ndim(indices)))) if axis is not None else g
    np.add.at(moved, indices, gm)
    return np.reshape(out, np.shape(a))


def take_along_axis_grad(g, arr, indices, axis):
    out = np.zeros(np.size(arr) if axis is None else np.shape(arr),
                   dtype=np.result_type(g, 1.0))
    if axis is None:
        np.add.at(out, indices, g)
        return np.reshape(out, np.shape(arr))
    index = list(np.ix_(*[np.arange(n) for n in np.shape(indices)]))
    index[axis % np.ndim(arr)] = indices
    np.add.at(out, tuple(index), g)
    return out


def select_grad(g, condlist, choicelist):
    """Adjoint of `np.select` for each choice: `g` where it was the first true one."""
    taken = np.zeros(np.shape(g), dtype=bool)
    out = []
    for cond, choice in zip(condlist, choicelist):
        mine = np.logical_and(cond, ~taken)
        taken = taken | mine
        out.append(unbroadcast(np.where(mine, g, 0.0), choice))
    return out


def select_default_grad(g, condlist, default):
    none = ~np.any(np.broadcast_arrays(*condlist), axis=0)
    return unbroadcast(np.where(none, g, 0.0), default)


# ---- scipy.special (imported only when a scipy rule runs) --------------------------
def digamma(x):
    from scipy.special import digamma as psi
    return psi(x)


def polygamma(n, x):
    from scipy.special import polygamma as pg
    return pg(n, x)


def logsumexp_grad(g, a, ans, axis=None, b=None, keepdims=False):
    """Adjoint of `scipy.special.logsumexp(a, axis, b=b, keepdims)`."""
    nd = np.ndim(a)
    weights = np.exp(a - _expand(ans, nd, axis, keepdims))
    if b is not None:
        weights = weights * b
    return sum_grad(g, a, axis, keepdims) * weights


# ---- np.linspace / np.logspace: linear in (start, stop) ----------------------------
def linspace_grad(g, num, endpoint, retstep, axis, end):
    """Adjoint of `np.linspace` in `start` (end=False) or `stop` (end=True): the
    samples are start * (1 - t) + stop * t, and with `retstep` g is (samples, step)."""
    samples, step = (g[0], g[1]) if retstep else (g, 0.0)
    out = np.tensordot(_linspace_weights(num, endpoint, end), np.moveaxis(samples, axis, 0),
                       1)
    return out + _linspace_step(step, num, endpoint, end) if retstep else out


def linspace_spread(v, like, num, endpoint, retstep, axis, end):
    """Transpose of `linspace_grad` (and the tangent of np.linspace): `v`, broadcast
    with the other end `like`, spread along a new `axis` with its weights."""
    w = _linspace_weights(num, endpoint, end)
    v = np.broadcast_to(v, np.broadcast_shapes(np.shape(v), np.shape(like)))
    samples = np.moveaxis(np.multiply.outer(w, v), 0, axis)
    return (samples, _linspace_step(v, num, endpoint, end)) if retstep else samples


def _linspace_weights(num, endpoint, end):
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    return t if end else 1.0 - t


def _linspace_step(v, num, endpoint, end):
    d = max(num - 1 if endpoint else num, 1)
    return v / d if end else -v / d


# ---- np.histogram: weighted counts are linear in the weights ------------------------
def histogram_grad(g, a, edges, density=None):
    """Adjoint of `np.histogram(a, edges, weights=w)[0]` with respect to w: each weight
    gets the gradient of the bin its value falls in (bins are half-open, the last one
    closed; values outside the edges count nowhere and get 0)."""
    if density:
        raise NotImplementedError(
            "the gradient of np.histogram(..., density=True) with respect to weights is "
            "not implemented: take density=False and divide by the total yourself")
    a = np.asarray(a)
    edges = np.asarray(edges)
    nbins = len(edges) - 1
    index = np.searchsorted(edges, a, side="right") - 1
    index[a == edges[-1]] = nbins - 1
    inside = (index >= 0) & (index < nbins)
    out = np.where(inside, np.asarray(g)[np.clip(index, 0, nbins - 1)], 0.0)
    return out.astype(float_dtype(np.asarray(g)), copy=False)


def histogram_jvp(dw, a, ans, density=None):
    """Tangent of `np.histogram(a, bins, weights=w)`: (counts of dw, no edge change)."""
    if density:
        histogram_grad(None, a, ans[1], density)  # the same explanation
    return np.histogram(a, bins=ans[1], weights=dw)[0], np.zeros_like(ans[1])


def max_grad(g, x, ans, axis=None, keepdims=False):
    """Adjoint of `np.max`/`np.min`: split `g` evenly among the tied extremes."""
    x = np.asarray(x)  # (a list of numbers is read as an array)
    shape = np.shape(x)
    if not keepdims and axis is not None:
        g = np.expand_dims(g, _axes(axis, len(shape)))
        ans = np.expand_dims(ans, _axes(axis, len(shape)))
    hit = np.asarray(x) == ans
    dtype = np.result_type(x, g, 1.0)
    if np.count_nonzero(hit) == np.size(ans):  # one extreme per slice: no ties to
        return np.where(hit, g, 0.0).astype(dtype, copy=False)  # share (no slow sum)
    return g * _share(hit, axis, dtype)


def _share(hit, axis, dtype):
    """`hit` split evenly among the ties along `axis`, in `dtype` (float32 stays)."""
    return (hit / np.sum(hit, axis=axis, keepdims=True)).astype(dtype, copy=False)


def max_jvp(dx, x, ans, axis=None, keepdims=False):
    """Tangent of `np.max`: the average tangent over the tied extremes."""
    weights = max_grad(np.ones(np.shape(ans)), x, ans, axis, keepdims)
    return np.sum(weights * np.asarray(dx), axis=axis, keepdims=keepdims)
