"""Runtime helpers whose adjoint puts `g` back at chosen positions: diagonals, np.take,
np.select and np.histogram's bins. Each is pure and linear in `g`.
"""
from __future__ import annotations

import numpy as np

from .core import unbroadcast
from .grad_containers import scatter_add
from .kinds import NUMBERS, constant, float_dtype, like_of, zeros


def _like(*values):
    """The first value's array type that is not NumPy's (None: all are NumPy's)."""
    for v in values:
        like = like_of(v)
        if like is not None:
            return like
    return None


# ---- diagonals and indexing --------------------------------------------------------
def diagonal_grad(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of `np.diagonal(a, offset, axis1, axis2)`."""
    like = _like(a, g)
    if like is not None:
        return _diagonal_spread(g, np.shape(a), offset, axis1, axis2, like)
    a = np.asarray(a)
    out = np.zeros(a.shape, dtype=np.result_type(g, 1.0))
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = np.shape(g)[-1]
    i = np.arange(n) + max(-offset, 0)
    moved[..., i, i + offset] = g  # `moved` is a view of the fresh `out`
    return out


def _diagonal_spread(g, shape, offset, axis1, axis2, like):
    """diagonal_grad in whole-array operations (a Dask array has no views to write
    through): row r of each matrix holds its diagonal entry times a row of the
    identity shifted by `offset`."""
    nd = len(shape)
    n1, n2 = shape[axis1 % nd], shape[axis2 % nd]
    n, lo = np.shape(g)[-1], max(-offset, 0)
    rows = np.pad(g, [(0, 0)] * (np.ndim(g) - 1) + [(lo, n1 - n - lo)])[..., None]
    eye = constant(np.eye(n1, n2, k=offset), like, np.result_type(g, 1.0))
    return np.moveaxis(rows * eye, (-2, -1), (axis1 % nd, axis2 % nd))


def trace_grad(g, a, offset=0, axis1=0, axis2=1):
    a = np.asarray(a) if like_of(a) is None else a
    n = np.diagonal(a, offset, axis1, axis2).shape[-1]
    ones = constant(np.ones(n, dtype=float_dtype(a, g)), like_of(a))
    spread = g * ones if type(g) in NUMBERS else np.multiply.outer(g, ones)
    return diagonal_grad(spread, a, offset, axis1, axis2)


def diag_grad(g, v, k=0):
    """Adjoint of `np.diag(v, k)` (builds a matrix from a vector, or extracts)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    return diagonal_grad(g, v, k)


def take_grad(g, a, indices, axis=None):
    like = _like(a, g)
    if like is not None:  # (no write through a moved view: Dask's is a new array)
        out = zeros((np.size(a),) if axis is None else np.shape(a),
                    np.result_type(g, 1.0), like)
        scatter_add(out, indices if axis is None else
                    (slice(None),) * (axis % np.ndim(a)) + (indices,), g)
        return np.reshape(out, np.shape(a))
    out = np.zeros(np.size(a) if axis is None else np.shape(a),
                   dtype=np.result_type(g, 1.0))
    moved = np.moveaxis(out, 0 if axis is None else axis, 0)
    gm = np.moveaxis(g, tuple(range(axis or 0, (axis or 0) + np.ndim(indices))),
                     tuple(range(np.ndim(indices)))) if axis is not None else g
    np.add.at(moved, indices, gm)
    return np.reshape(out, np.shape(a))


def take_along_axis_grad(g, arr, indices, axis):
    out = zeros((np.size(arr),) if axis is None else np.shape(arr),
                np.result_type(g, 1.0), _like(arr, g))
    if axis is None:
        scatter_add(out, indices, g)
        return np.reshape(out, np.shape(arr))
    index = list(np.ix_(*[np.arange(n) for n in np.shape(indices)]))
    index[axis % np.ndim(arr)] = indices
    scatter_add(out, tuple(index), g)
    return out


def select_grad(g, condlist, choicelist):
    """Adjoint of `np.select` for each choice: `g` where it was the first true one."""
    taken = zeros(np.shape(g), bool, like_of(g))
    out = []
    for cond, choice in zip(condlist, choicelist):
        mine = np.logical_and(cond, ~taken)
        taken = taken | mine
        out.append(unbroadcast(np.where(mine, g, 0.0), choice))
    return out


def select_default_grad(g, condlist, default):
    conds = np.broadcast_arrays(*condlist)
    none = ~np.any(np.stack(conds) if _like(*conds) is not None else conds, axis=0)
    return unbroadcast(np.where(none, g, 0.0), default)


# ---- np.histogram: weighted counts are linear in the weights ------------------------
def histogram_grad(g, a, edges, density=None):
    """Adjoint of `np.histogram(a, edges, weights=w)[0]` with respect to w: each weight
    gets the gradient of the bin its value falls in (bins are half-open, the last one
    closed; values outside the edges count nowhere and get 0)."""
    if density:
        raise NotImplementedError(
            "the gradient of np.histogram(..., density=True) with respect to weights is "
            "not implemented: take density=False and divide by the total yourself")
    a, edges, g = (np.asarray(v) if like_of(v) is None else v for v in (a, edges, g))
    nbins = len(edges) - 1
    if like_of(a) is None and like_of(edges) is None:
        index = np.searchsorted(edges, a, side="right") - 1
    else:  # (the same count of edges at or below each value, from either's type)
        index = np.sum(np.expand_dims(a, -1) >= edges, axis=-1) - 1
    index = np.where(a == edges[-1], nbins - 1, index)  # (the last bin is closed)
    inside = (index >= 0) & (index < nbins)
    out = np.where(inside, g[np.clip(index, 0, nbins - 1)], 0.0)
    return out.astype(float_dtype(g), copy=False)


def histogram_jvp(dw, a, ans, density=None):
    """Tangent of `np.histogram(a, bins, weights=w)`: (counts of dw, no edge change)."""
    if density:
        histogram_grad(None, a, ans[1], density)  # the same explanation
    return np.histogram(a, bins=ans[1], weights=dw)[0], np.zeros_like(ans[1])
