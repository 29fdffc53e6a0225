"""Runtime helpers behind the linear-algebra rules (re-exported by `adjoint.runtime`).

Each helper is pure (never mutates its arguments).
"""
from __future__ import annotations

import numpy as np

from .core import _axes, ndarray, unbroadcast
from .numpy_grads import _share
from .numpy_grads import _expand

__all__ = ["matmul_ga", "matmul_gb", "matmul_ga_sum", "matmul_gb_sum", "dot_ga", "dot_gb",
           "norm_grad", "vector_norm_grad", "tensordot_ga", "tensordot_gb", "inner_ga",
           "inner_gb", "einsum_ops", "einsum_ga", "einsum_gb", "einsum_gc", "einsum_gd",
           "kron_ga", "kron_gb", "phi", "cholesky_grad", "cholesky_jvp"]


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
    return np.full(shape, g, dtype=np.result_type(g, a, b, 1.0))


def matmul_ga(g, a, b):
    """Adjoint of `a @ b` with respect to `a`, for every ndim combination."""
    a_nd, b_nd = _ndim(a), _ndim(b)
    if a_nd == 2 and b_nd == 2 and type(g) is ndarray:
        return g @ b.T  # the common case: matrices, no batch broadcasting
    if type(g) is not ndarray and (a_nd > 1 or b_nd > 1):
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
    if type(g) is not ndarray and (a_nd > 1 or b_nd > 1):
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


def _explicit(subscripts, ops):
    """`subscripts` with each '...' spelled out in letters of its own (the ellipsis
    dimensions of all operands aligned on the right, as NumPy does)."""
    spec = subscripts.replace(" ", "")
    if "..." not in spec:
        return spec
    ins, arrow, out = spec.partition("->")
    ins = ins.split(",")
    counts = [np.ndim(op) - len(s.replace("...", "")) if "..." in s else 0
              for s, op in zip(ins, ops)]
    width = max(counts)
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if c not in spec][:width]
    sizes = {}
    for s, op, k in zip(ins, ops, counts):
        lead = np.shape(op)[s.index("..."):s.index("...") + k] if "..." in s else ()
        for c, n in zip(free[width - k:], lead):
            if sizes.setdefault(c, n) != n:
                raise NotImplementedError(
                    "the gradient of einsum with '...' dimensions that broadcast "
                    f"({subscripts!r}) is not supported: make them equal (np.broadcast_to)")
    ins = [s.replace("...", "".join(free[width - k:])) for s, k in zip(ins, counts)]
    if arrow:
        out = out.replace("...", "".join(free))
    else:  # implicit output: the ellipsis first, then the letters used once
        letters = "".join(s for s in ins)
        out = "".join(free) + "".join(sorted(c for c in set(letters)
                                             if letters.count(c) == 1 and c not in free))
    return ",".join(ins) + "->" + out


def _einsum_parts(subscripts, n):
    spec = subscripts.replace(" ", "")
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


def _einsum_grad(g, subscripts, i, ops):
    """Adjoint of `np.einsum(subscripts, *ops)` with respect to operand `i`."""
    ops = [op for op in ops if op is not None]
    ins, out = _einsum_parts(_explicit(subscripts, ops), len(ops))
    mine = ins[i]
    uniq = "".join(dict.fromkeys(mine))  # a repeated index ("ii") reads a diagonal
    others = [s for j, s in enumerate(ins) if j != i]
    have = set(out).union(*others)
    target = "".join(c for c in uniq if c in have)
    res = np.einsum(",".join([out] + others) + "->" + target, g,
                    *[op for j, op in enumerate(ops) if j != i])
    missing = tuple(k for k, c in enumerate(uniq) if c not in have)
    if missing:
        res = np.expand_dims(res, missing)
    if uniq == mine:
        return np.broadcast_to(res, np.shape(ops[i]))
    grad = np.zeros(np.shape(ops[i]), dtype=np.result_type(res, 1.0))
    np.einsum(mine + "->" + uniq, grad)[...] = res  # a writable view of the diagonal
    return grad


def einsum_ga(g, subscripts, a, b=None, c=None, d=None):
    """Adjoint of `np.einsum(subscripts, a, b, c, d)` in `a` (one helper per operand,
    so each helper's own rule knows statically which operand it is)."""
    return _einsum_grad(g, subscripts, 0, (a, b, c, d))


def einsum_gb(g, subscripts, a, b, c=None, d=None):
    return _einsum_grad(g, subscripts, 1, (a, b, c, d))


def einsum_gc(g, subscripts, a, b, c, d=None):
    return _einsum_grad(g, subscripts, 2, (a, b, c, d))


def einsum_gd(g, subscripts, a, b, c, d):
    return _einsum_grad(g, subscripts, 3, (a, b, c, d))


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


def phi(x):
    """Lower triangle with the diagonal halved (linear and self-adjoint)."""
    return np.tril(x) - 0.5 * np.eye(x.shape[-1]) * x


def cholesky_grad(g, L):
    """Adjoint of `L = np.linalg.cholesky(a)` (symmetric in `a`)."""
    Lt = np.swapaxes(L, -1, -2)
    p = phi(Lt @ g)
    s = np.linalg.solve(Lt, np.swapaxes(np.linalg.solve(Lt, np.swapaxes(p, -1, -2)), -1, -2))
    return 0.5 * (s + np.swapaxes(s, -1, -2))


def cholesky_jvp(da, L):
    x = np.linalg.solve(L, np.swapaxes(np.linalg.solve(L, np.swapaxes(da, -1, -2)), -1, -2))
    return L @ phi(x)
