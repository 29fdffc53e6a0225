"""Runtime helpers behind the NumPy rule tables (re-exported by `adjoint.runtime`).

Each helper is pure (never mutates its arguments). Most are linear in `g` and use
the other arguments only for shapes; their rules live in `adjoint/rules/runtime.py`.
"""
from __future__ import annotations

import numpy as np

from .runtime import _axes, _share, sum_grad, unbroadcast

__all__ = ["cast_grad", "prod_grad", "reduce_jvp", "var_grad", "count", "cumsum_grad",
           "norm_grad", "vector_norm_grad", "diagonal_grad", "trace_grad", "diag_grad", "take_grad",
           "take_along_axis_grad", "tensordot_ga", "tensordot_gb", "inner_ga",
           "inner_gb", "einsum_grad", "einsum_ops", "kron_ga", "kron_gb",
           "cholesky_grad", "cholesky_jvp", "select_grad", "select_default_grad",
           "average_grad", "average_wgrad", "average_wjvp", "digamma", "polygamma",
           "logsumexp_grad"]


def cast_grad(g, x):
    """`g` in `x`'s floating dtype (integer inputs keep a float gradient)."""
    dtype = np.result_type(x)
    if np.issubdtype(dtype, np.floating) and np.result_type(g) != dtype:
        return np.asarray(g, dtype=dtype)
    return g


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


# ---- norms -------------------------------------------------------------------------
def norm_grad(g, x, ans, ord=None, axis=None, keepdims=False):
    """Adjoint of `np.linalg.norm(x, ord, axis, keepdims)` (vector and matrix norms)."""
    x = np.asarray(x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or \
        (isinstance(axis, tuple) and len(axis) == 2)
    if axis is None and not matrix:
        axis_ = tuple(range(x.ndim))
    else:
        axis_ = (0, 1) if axis is None else axis
    g = _expand(g, x.ndim, axis_, keepdims)
    ans = _expand(ans, x.ndim, axis_, keepdims)
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
    flat = norm_grad(np.reshape(g, ()), np.ravel(x), np.reshape(ans, ()), ord, 0, False)
    return np.reshape(flat, np.shape(x))


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


# ---- products ----------------------------------------------------------------------
def _td_axes(axes, a_nd):
    if isinstance(axes, int):
        return list(range(a_nd - axes, a_nd)), list(range(axes))
    aa, bb = axes
    aa = [aa] if isinstance(aa, int) else list(aa)
    bb = [bb] if isinstance(bb, int) else list(bb)
    return aa, bb


def tensordot_ga(g, a, b, axes=2):
    aa, bb = _td_axes(axes, np.ndim(a))
    aa, bb = [i % np.ndim(a) for i in aa], [i % np.ndim(b) for i in bb]
    a_free = [i for i in range(np.ndim(a)) if i not in aa]
    b_free = [i for i in range(np.ndim(b)) if i not in bb]
    g_b = list(range(len(a_free), np.ndim(g)))
    res = np.tensordot(g, b, axes=(g_b, b_free))
    perm = a_free + [aa[bb.index(k)] for k in sorted(bb)]
    return np.transpose(res, np.argsort(perm))


def tensordot_gb(g, a, b, axes=2):
    aa, bb = _td_axes(axes, np.ndim(a))
    aa, bb = [i % np.ndim(a) for i in aa], [i % np.ndim(b) for i in bb]
    a_free = [i for i in range(np.ndim(a)) if i not in aa]
    b_free = [i for i in range(np.ndim(b)) if i not in bb]
    res = np.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    perm = [bb[aa.index(k)] for k in sorted(aa)] + b_free
    return np.transpose(res, np.argsort(perm))


def inner_ga(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    nb = np.ndim(b) - 1
    return np.tensordot(g, b, axes=(list(range(np.ndim(g) - nb, np.ndim(g))),
                                    list(range(nb))))


def inner_gb(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    na = np.ndim(a) - 1
    return np.tensordot(g, a, axes=(list(range(na)), list(range(na))))


def _einsum_parts(subscripts, n):
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise NotImplementedError("the gradient of einsum with '...' is not supported")
    ins, _, out = spec.partition("->")
    ins = ins.split(",")
    if "->" not in spec:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(ins) != n:
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, got {n}")
    return ins, out


def einsum_ops(subscripts, *ops):
    """`np.einsum(subscripts, *ops)` with the unused (None) operands dropped."""
    return np.einsum(subscripts, *[op for op in ops if op is not None])


def einsum_grad(g, subscripts, i, *ops):
    """Adjoint of `np.einsum(subscripts, *ops)` with respect to operand `i`."""
    ops = [op for op in ops if op is not None]
    ins, out = _einsum_parts(subscripts, len(ops))
    mine = ins[i]
    if len(set(mine)) != len(mine):
        raise NotImplementedError("the gradient of einsum with a repeated index in "
                                  f"one operand ({mine!r}) is not supported")
    others = [s for j, s in enumerate(ins) if j != i]
    have = set(out).union(*others)
    target = "".join(c for c in mine if c in have)
    res = np.einsum(",".join([out] + others) + "->" + target, g,
                    *[op for j, op in enumerate(ops) if j != i])
    missing = tuple(k for k, c in enumerate(mine) if c not in have)
    if missing:
        res = np.expand_dims(res, missing)
    return np.broadcast_to(res, np.shape(ops[i]))


def _kron_split(g, a, b):
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    gr = np.reshape(g, [s for pair in zip(sa, sb) for s in pair])
    return gr, sa, sb, nd


def kron_ga(g, a, b):
    gr, sa, sb, nd = _kron_split(g, a, b)
    bb = np.reshape(b, [s for n in sb for s in (1, n)])
    return np.reshape(np.sum(gr * bb, axis=tuple(range(1, 2 * nd, 2))), np.shape(a))


def kron_gb(g, a, b):
    gr, sa, sb, nd = _kron_split(g, a, b)
    aa = np.reshape(a, [s for n in sa for s in (n, 1)])
    return np.reshape(np.sum(gr * aa, axis=tuple(range(0, 2 * nd, 2))), np.shape(b))


def _phi(x):
    """Lower triangle with the diagonal halved."""
    return np.tril(x) - 0.5 * np.eye(x.shape[-1]) * x


def cholesky_grad(g, L):
    """Adjoint of `L = np.linalg.cholesky(a)` (symmetric in `a`)."""
    Lt = np.swapaxes(L, -1, -2)
    p = _phi(Lt @ g)
    s = np.linalg.solve(Lt, np.swapaxes(np.linalg.solve(Lt, np.swapaxes(p, -1, -2)), -1, -2))
    return 0.5 * (s + np.swapaxes(s, -1, -2))


def cholesky_jvp(da, L):
    x = np.linalg.solve(L, np.swapaxes(np.linalg.solve(L, np.swapaxes(da, -1, -2)), -1, -2))
    return L @ _phi(x)


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
