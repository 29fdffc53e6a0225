"""Runtime helpers behind the NumPy rule tables: casts, reductions, cumulative sums and
products, averages, extremes, np.linspace and scipy.special.

Each helper is pure (never mutates its arguments). Most are linear in `g` and use
the other arguments only for shapes; their rules live in `adjoint/rules/helpers.py`.
"""
from __future__ import annotations

import math

import numpy as np

from .core import sum_grad
from .grad_containers import as_array, list_of
from .kinds import NUMBERS, Shape, _axes, constant, float_dtype, like_of, match, ndarray, \
    zeros


def cast_grad(g, x, dtype=None):
    """`g` in `x`'s floating dtype (integer inputs keep a float gradient);
    for `np.array(list)`: one (copied) slice of `g` per element. A cast to an integer
    or boolean `dtype` is piecewise constant: its gradient is zero."""
    if dtype is None and (type(x) is float or type(x) is np.float64) \
            and (type(g) is float or type(g) is np.float64):
        return g  # the common case first: one number of np.array([a, b, c])
    if dtype is not None and not _inexact(dtype):
        return zeros(np.shape(x), float_dtype(x), like_of(x))
    if isinstance(x, (list, tuple)) and not isinstance(x, Shape):
        if np.ndim(g) == 0:  # a zero adjoint not yet spread (e.g. after a break)
            return list_of(cast_grad(g, v) for v in x)
        return list_of(cast_grad(g[i], v) for i, v in enumerate(x))
    if isinstance(g, (list, tuple)):  # pieces of a split, stacked back (its transpose)
        g = as_array(g)
    dtype = np.result_type(x)
    if np.issubdtype(dtype, np.floating) and np.result_type(g) != dtype:
        return np.asarray(g, dtype=dtype) if like_of(g) is None else g.astype(dtype)
    return g


def cast_jvp(dx, dtype=None):
    """Tangent of a conversion: the tangent itself as a new array (in `dtype` when that
    is a float type), zero for a cast to an integer or boolean type."""
    if dtype is None:
        return as_array(dx)
    if not _inexact(dtype):
        dx = as_array(dx)
        return zeros(np.shape(dx), np.dtype(float), like_of(dx))
    return as_array(dx).astype(dtype)


def _inexact(dtype) -> bool:
    return np.issubdtype(np.dtype(dtype), np.inexact)


def _expand(g, ndim, axis, keepdims):
    if not keepdims and axis is not None and type(g) not in (float, int):  # (a Python
        # number stays one: it broadcasts, and weak, it keeps float32 arrays float32;
        # made a NumPy array, it would not mix with CuPy's)
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
    x = np.asarray(x) if like_of(x) is None else x
    if x.size == 0:  # an empty product is 1 and has nothing to differentiate
        return zeros(x.shape, float_dtype(x), like_of(x))
    axes = tuple(range(x.ndim)) if axis is None else _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    others = np.transpose(others, np.argsort(rest + list(axes)).tolist())
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
    if like_of(x) is not None:
        return _cumprod_grad_zeros(g, x, ans, axis)
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
    if like_of(x) is not None:
        return _cumprod_jvp_zeros(t, x, ans, axis)
    x = np.asarray(x)
    if np.all(x != 0):
        return ans * np.cumsum(t / x, axis)
    xs, ts, ax = _along(x, np.broadcast_to(t, x.shape), axis)
    before = _before(xs)
    d = np.array(before * ts, dtype=float_dtype(x, ts))
    for j in range(1, xs.shape[0]):
        d[j] += d[j - 1] * xs[j]
    return np.moveaxis(d, 0, ax) if axis is not None else d


# For an array type that cannot be tested for zeros without computing it (Dask), the
# same exact results in whole-array operations: along the axis, before the first zero
# f the usual formulas hold (no division by zero); at f only the products with x_f
# left out survive (a cumulative product with x_f taken as 1); after f nothing does.
def _zero_marks(xs):
    zero = xs == 0
    seen = np.cumsum(zero, 0)  # zeros up to each position
    first = zero & (seen == 1)
    return seen == 0, first, np.where(zero, 1.0, xs), np.cumprod(np.where(first, 1.0, xs), 0)


def _cumprod_grad_zeros(g, x, ans, axis):
    xs, gs, ax = _along(x, np.broadcast_to(g, np.shape(ans)), axis)
    before, first, safe, skip_first = _zero_marks(xs)
    _, ans_s, _ = _along(x, ans, axis)

    def back(v):  # reversed cumulative sum along the axis
        return np.flip(np.cumsum(np.flip(v, 0), 0), 0)
    out = np.where(before, back(gs * ans_s) / safe,
                   np.where(first, back(gs * skip_first), 0.0))
    return np.reshape(np.moveaxis(out, 0, ax) if axis is not None else out, x.shape)


def _cumprod_jvp_zeros(t, x, ans, axis):
    xs, ts, ax = _along(x, np.broadcast_to(t, x.shape), axis)
    before, first, safe, skip_first = _zero_marks(xs)
    _, ans_s, _ = _along(x, ans, axis)
    d = np.where(before, ans_s * np.cumsum(np.where(before, ts / safe, 0.0), 0),
                 np.sum(np.where(first, ts, 0.0), 0, keepdims=True) * skip_first)
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
        return np.asarray(w) if like_of(w) is None else w
    shape = [1] * np.ndim(a)
    shape[axis % np.ndim(a)] = -1
    return np.reshape(w, shape)


# ---- scipy.special (imported only when a scipy rule runs) --------------------------
def digamma(x):
    from scipy.special import digamma as psi
    return psi(x)


def polygamma(n, x):
    """scipy.special.polygamma, for an integer order through ufuncs (as SciPy computes
    it), so that a Dask array stays lazy."""
    from scipy.special import polygamma as pg, psi, zeta
    if type(n) is not int or n < 0:
        return pg(n, x)
    return psi(x) if n == 0 else (-1.0) ** (n + 1) * math.factorial(n) * zeta(n + 1, x)


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
    samples = np.moveaxis(samples, axis, 0)
    out = np.tensordot(_linspace_weights(num, endpoint, end, samples), samples, 1)
    return out + _linspace_step(step, num, endpoint, end) if retstep else out


def linspace_spread(v, like, num, endpoint, retstep, axis, end):
    """Transpose of `linspace_grad` (and the tangent of np.linspace): `v`, broadcast
    with the other end `like`, spread along a new `axis` with its weights."""
    v = match(np.asarray(v) if type(v) in NUMBERS else v, like)
    w = _linspace_weights(num, endpoint, end, v if like_of(v) is not None else like)
    v = np.broadcast_to(v, np.broadcast_shapes(np.shape(v), np.shape(like)))
    samples = np.moveaxis(np.multiply.outer(w, v), 0, axis)
    return (samples, _linspace_step(v, num, endpoint, end)) if retstep else samples


def _linspace_weights(num, endpoint, end, v):
    """The samples' weights of one end, of the array type of `v`."""
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    return constant(t if end else 1.0 - t, like_of(v))


def _linspace_step(v, num, endpoint, end):
    d = max(num - 1 if endpoint else num, 1)
    return v / d if end else -v / d


def max_grad(g, x, ans, axis=None, keepdims=False):
    """Adjoint of `np.max`/`np.min`: split `g` evenly among the tied extremes."""
    if like_of(x) is None:
        x = np.asarray(x)  # (a list of numbers is read as an array)
    shape = np.shape(x)
    if not keepdims and axis is not None:
        if type(g) not in NUMBERS:
            g = np.expand_dims(g, _axes(axis, len(shape)))
        ans = np.expand_dims(ans, _axes(axis, len(shape)))
    hit = x == ans
    dtype = np.result_type(x, g, 1.0)
    if type(x) is ndarray and np.count_nonzero(hit) == np.size(ans):  # no ties to
        return np.where(hit, g, 0.0).astype(dtype, copy=False)  # share: no slow sum
    return g * _share(hit, axis, dtype)


def _share(hit, axis, dtype):
    """`hit` split evenly among the ties along `axis`, in `dtype` (float32 stays)."""
    return (hit / np.sum(hit, axis=axis, keepdims=True)).astype(dtype, copy=False)


def max_jvp(dx, x, ans, axis=None, keepdims=False):
    """Tangent of `np.max`: the average tangent over the tied extremes."""
    weights = max_grad(1.0, x, ans, axis, keepdims)
    dx = np.asarray(dx) if like_of(dx) is None else dx
    return np.sum(weights * dx, axis=axis, keepdims=keepdims)
