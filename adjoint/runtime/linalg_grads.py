"""Runtime helpers behind the linear-algebra rules: matrix products, norms and the
Cholesky factor. Each helper is pure (never mutates its arguments).
"""
from __future__ import annotations

import numpy as np

from .core import unbroadcast
from .kinds import _axes, full, like_of, match, ndarray
from .numpy_grads import _expand, _share


# ---- products: a @ b and np.dot -----------------------------------------------------
def _ndim(x):
    return x.ndim if type(x) is ndarray else np.ndim(x)


def _full_product(g, a, b):
    """A number standing for the adjoint of `a @ b` (a zero not yet made an array, or
    a broadcast seed) as an array of the product's shape."""
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) == 1:
        shape = sb[:-2] + sb[-1:]
    elif len(sb) == 1:
        shape = sa[:-1]
    else:
        shape = np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])
    like = like_of(a)
    return full(shape, g, np.result_type(g, a, b, 1.0), like_of(b) if like is None else like)


def matmul_ga(g, a, b):
    """Adjoint of `a @ b` with respect to `a`, for every ndim combination."""
    a_nd, b_nd = _ndim(a), _ndim(b)
    if a_nd == 2 and b_nd == 2 and type(g) is ndarray:
        return g @ b.T  # the common case: matrices, no batch broadcasting
    if type(g) is not ndarray and (a_nd > 1 or b_nd > 1) and np.ndim(g) == 0:
        g = _full_product(g, a, b)
    if a_nd == 2 and b_nd == 1:
        return np.multiply.outer(g, b)
    if b_nd == 1:
        out = np.multiply.outer(g, b) if a_nd > 1 else g * b
    elif a_nd == 1:  # (k, n) @ (n,) -> (k,); a batched b's products are summed below
        out = b @ g if b_nd <= 2 else (b @ g[..., None])[..., 0]
    else:
        out = g @ np.swapaxes(b, -1, -2)
    return unbroadcast(out, a)


def matmul_gb(g, a, b):
    """Adjoint of `a @ b` with respect to `b`, for every ndim combination."""
    a_nd, b_nd = _ndim(a), _ndim(b)
    if a_nd == 2 and b_nd <= 2 and type(g) is ndarray and g.ndim == b_nd:
        # matrix @ matrix or matrix @ vector; g @ a skips a.T's view (an RNN's step)
        return g @ a if b_nd == 1 else a.T @ g
    if type(g) is not ndarray and (a_nd > 1 or b_nd > 1) and np.ndim(g) == 0:
        g = _full_product(g, a, b)
    if a_nd == 1:  # an outer product per batch entry of g (one when b is a matrix)
        out = a[:, None] * g[..., None, :] if b_nd > 1 else g * a
    elif b_nd == 1:
        out = np.swapaxes(a, -1, -2) @ g[..., None] if a_nd > 2 else a.T @ g
        out = out[..., 0] if a_nd > 2 else out
    else:
        out = np.swapaxes(a, -1, -2) @ g
    return unbroadcast(out, b)


def matmul_ga_sum(terms, a):
    """The sum of matmul_ga(g, a, b) over (g, b) pairs collected in a loop: one matrix
    product when every pair is two vectors (an RNN's weight gradient), else a sum."""
    return _pair_sum(terms, a, lambda g, b: matmul_ga(g, a, b), lambda G, B: G.T @ B)


def matmul_gb_sum(terms, b):
    """The sum of matmul_gb(g, a, b) over (g, a) pairs collected in a loop."""
    return _pair_sum(terms, b, lambda g, a: matmul_gb(g, a, b), lambda G, A: A.T @ G)


def _pair_sum(terms, fixed, one, stacked):
    if not terms:
        return 0.0
    if _ndim(fixed) == 2 and all(type(u) is ndarray and u.ndim == 1 and type(v) is ndarray
                                 and v.ndim == 1 for u, v in terms):
        return stacked(np.array([u for u, _ in terms]), np.array([v for _, v in terms]))
    total = 0.0
    for u, v in terms:
        total = total + one(u, v)
    return total


def dot_ga(g, a, b):
    """Adjoint of `np.dot(a, b)` in `a` (scalars, vectors, matrices)."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * b, a)
    return matmul_ga(g, a, b)


def dot_gb(g, a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        return unbroadcast(g * a, b)
    return matmul_gb(g, a, b)


# ---- norms -------------------------------------------------------------------------
def norm_grad(g, x, ans, ord=None, axis=None, keepdims=False):
    """Adjoint of `np.linalg.norm(x, ord, axis, keepdims)` (vector and matrix norms)."""
    x = np.asarray(x) if like_of(x) is None else x
    matrix = (axis is None and x.ndim == 2 and ord is not None) or \
        (isinstance(axis, tuple) and len(axis) == 2)
    if axis is None and not matrix:
        axis_ = tuple(range(x.ndim))
    else:
        axis_ = (0, 1) if axis is None else axis
    g = _expand(match(g, x), x.ndim, axis_, keepdims)
    ans = _expand(match(ans, x), x.ndim, axis_, keepdims)
    if matrix:
        return g * _matrix_norm_grad(x, ans, ord, _axes(axis_, x.ndim))
    if ord is None or ord == 2 or ord == "fro":
        return g * x / ans
    if ord in (np.inf, -np.inf):
        return g * _share(np.abs(x) == ans, axis_, np.result_type(x, 1.0)) * np.sign(x)
    if ord == 1:
        return g * np.sign(x)
    return g * np.sign(x) * np.abs(x) ** (ord - 1) / ans ** (ord - 1)


def vector_norm_grad(g, x, ans, ord=2, axis=None, keepdims=False):
    """Adjoint of `np.linalg.vector_norm` (with axis=None: the flattened vector)."""
    if axis is not None:
        return norm_grad(g, x, ans, ord, axis, keepdims)
    flat = norm_grad(_scalar(g), np.ravel(x), _scalar(ans), ord, 0, False)
    return np.reshape(flat, np.shape(x))


def _scalar(v):
    """`v` with no axes (a Python number stays one: NumPy's would not mix with CuPy)."""
    return v if type(v) is float or type(v) is int else np.reshape(v, ())


def _matrix_norm_grad(x, ans, ord, axes):
    xm = np.moveaxis(x, axes, (-2, -1))
    if ord in (None, "fro"):
        out = xm / np.moveaxis(ans, axes, (-2, -1))
    elif ord in ("nuc", 2, -2):
        u, s, vt = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            out = u @ vt
        else:
            k = 0 if ord == 2 else -1
            out = u[..., :, k:k + 1 or None] @ vt[..., k:k + 1 or None, :]
    else:  # 1, -1: column sums; inf, -inf: row sums
        rows = ord in (np.inf, -np.inf)
        sums = np.sum(np.abs(xm), axis=-1 if rows else -2, keepdims=True)
        pick = np.max(sums, axis=-2 if rows else -1, keepdims=True) if ord > 0 else \
            np.min(sums, axis=-2 if rows else -1, keepdims=True)
        hit = sums == pick
        out = np.sign(xm) * _share(hit, -2 if rows else -1, np.result_type(xm, 1.0))
    return np.moveaxis(out, (-2, -1), axes)


def phi(x):
    """Lower triangle with the diagonal halved (linear and self-adjoint)."""
    return np.tril(x) - 0.5 * np.triu(np.tril(x))  # (no constant: any array type)


def cholesky_grad(g, L):
    """Adjoint of `L = np.linalg.cholesky(a)` (symmetric in `a`)."""
    Lt = np.swapaxes(L, -1, -2)
    p = phi(Lt @ g)
    s = np.linalg.solve(Lt, np.swapaxes(np.linalg.solve(Lt, np.swapaxes(p, -1, -2)), -1, -2))
    return 0.5 * (s + np.swapaxes(s, -1, -2))


def cholesky_jvp(da, L):
    x = np.linalg.solve(L, np.swapaxes(np.linalg.solve(L, np.swapaxes(da, -1, -2)), -1, -2))
    return L @ phi(x)
