"""Runtime helpers that only the rules *of runtime helpers* call (second and higher
derivatives). Each is pure and exact, and has a rule of its own in
`adjoint/rules/helpers_second_order.py`, so the set is closed.
"""
from __future__ import annotations

import numpy as np

from .core import unbroadcast
from .kinds import _axes, constant, like_of
from .numpy_grads import _weights_like, prod_grad


# ---- reduction groups: the axes a reduction combines, moved last and flattened ------
def _split_axes(ndim, axis):
    axes = list(range(ndim)) if axis is None else list(_axes(axis, ndim))
    return [a for a in range(ndim) if a not in axes], axes


def group(x, axis=None):
    """`x` with the reduced axes moved last and flattened: shape (*kept, n)."""
    x = np.asarray(x) if like_of(x) is None else x
    rest, axes = _split_axes(x.ndim, axis)
    moved = np.transpose(x, rest + axes)
    return moved.reshape(moved.shape[:len(rest)] + (-1,))


def ungroup(y, x, axis=None):
    """The inverse of `group(x, axis)`: `y` back in the shape of `x`."""
    shape = np.shape(x)
    rest, axes = _split_axes(len(shape), axis)
    moved = np.reshape(y, [shape[a] for a in rest + axes])
    return np.transpose(moved, np.argsort(rest + axes).tolist())


def _off(n, like):
    return constant(~np.eye(n, dtype=bool), like_of(like))


def pairs(x, axis=None):
    """Shape (*kept, n, n): entry [i, j] is the group's element j, 0 where i == j."""
    xg = group(x, axis)
    return np.where(_off(xg.shape[-1], xg), np.expand_dims(xg, -2), 0.0)


def pairs_one(x, axis=None):
    """`pairs(x, axis)` with ones on the diagonal: row i is the group, x_i -> 1."""
    p = pairs(x, axis)
    return p + constant(np.eye(p.shape[-1], dtype=p.dtype), like_of(p))


def pairs_t(c, x, axis=None):
    """The adjoint of `pairs(., axis)`: element j gets the sum of c[i, j], i != j."""
    c = np.asarray(c) if like_of(c) is None else c
    return ungroup(np.sum(np.where(_off(c.shape[-1], c), c, 0.0), axis=-2), x, axis)


def prod_hess(u, x, axis=None):
    """The Hessian of each group's product applied to `u` (shaped like `x`):
    entry i is sum over k != i of u_k * (product of the group without i and k).
    Exact at zeros (no division); memory n**2 per group of n elements."""
    q = prod_grad(1.0, pairs_one(x, axis), -1, True)  # q[i, k]: row i without k
    return ungroup(np.sum(q * pairs(u, axis), axis=-1), x, axis)


# ---- weights of np.average ----------------------------------------------------------
def weights_like(w, a, axis=None):
    """`np.average`'s weights shaped to broadcast against `a` (1-D along `axis`)."""
    return _weights_like(w, a, axis)


def weights_back(c, w, a, axis=None):
    """The adjoint of `weights_like`: sum `c` back to the shape of `w`."""
    return np.reshape(unbroadcast(c, _weights_like(w, a, axis)), np.shape(w))


# ---- the curvature of np.linalg.norm's adjoint ---------------------------------------
def _norm_kind(x, ord, axis, vector):
    """(p, curved): the adjoint is g * sign(x) |x|**(p-1) / ans**(p-1) when curved,
    and piecewise constant (zero derivative) otherwise."""
    nd = np.ndim(x)
    matrix = not (vector and axis is None) and (
        (axis is None and nd == 2 and ord is not None)
        or (isinstance(axis, tuple) and len(axis) == 2))
    if matrix:
        if ord in (None, "fro"):
            return 2.0, 1.0
        if ord in ("nuc", 2, -2):
            raise NotImplementedError(
                f"the second derivative of the matrix norm ord={ord!r} (through its "
                "singular vectors) is not supported")
        return 2.0, 0.0
    if ord is None or ord == 2:
        return 2.0, 1.0
    if ord in (np.inf, -np.inf, 1):
        return 2.0, 0.0
    return float(ord), 1.0


def norm_power(x, ord=None, axis=None, vector=False):
    """The `p` of the norm's adjoint formula (2.0 where the adjoint is flat)."""
    return _norm_kind(x, ord, axis, vector)[0]


def norm_curved(x, ord=None, axis=None, vector=False):
    """1.0 where the norm's adjoint varies smoothly with x, 0.0 where it is flat."""
    return _norm_kind(x, ord, axis, vector)[1]
