"""Runtime helpers behind np.delete, np.insert, np.convolve, np.correlate and
np.add.at (re-exported by `adjoint.runtime`; their rules: rules/helpers.py).
Each is pure, linear in its first argument, and keeps the float dtype of its values.
"""
from __future__ import annotations

import numpy as np

from .kinds import float_dtype

__all__ = ["delete_grad", "insert_grad_arr", "insert_grad_values", "convolve_ga",
           "convolve_gb", "added_at"]


def _zeros(like, n, *values):
    return np.zeros_like(np.ravel(like), shape=(n,), dtype=float_dtype(like, *values))


# ---- np.delete: a gather of the kept entries; its adjoint scatters back ---------------
def delete_grad(v, arr, obj, axis=None):
    """Adjoint of `np.delete(arr, obj, axis)`: v at the kept positions, 0 elsewhere."""
    shape = np.shape(arr)
    if axis is None:
        kept = np.delete(np.arange(int(np.prod(shape))), obj)
        out = _zeros(arr, int(np.prod(shape)), v)
        out[kept] = np.ravel(v) if np.ndim(v) else v
        return np.reshape(out, shape)
    axis = axis % len(shape)
    kept = np.delete(np.arange(shape[axis]), obj)
    out = np.zeros_like(arr, dtype=float_dtype(arr, v))
    out[(slice(None),) * axis + (kept,)] = v
    return out


# ---- np.insert: where each entry of the result came from -------------------------------
def _sources(arr, obj, values, axis):
    """np.insert applied to labels: each entry of the result as an index into
    arr.ravel() (>= 0) or as -1 - an index into values.ravel() (< 0)."""
    arr_ids = np.reshape(np.arange(np.size(arr)), np.shape(arr))
    value_ids = np.reshape(-1 - np.arange(np.size(values)), np.shape(values))
    return np.insert(arr_ids, obj, value_ids, axis)


def insert_grad_arr(v, arr, obj, values, axis=None):
    """Adjoint of `np.insert(arr, obj, values, axis)` in arr: v where arr's entries went."""
    src = _sources(arr, obj, values, axis)
    v = np.broadcast_to(v, np.shape(src))
    kept = src >= 0
    out = _zeros(arr, np.size(arr), v)
    out[src[kept]] = v[kept]
    return np.reshape(out, np.shape(arr))


def insert_grad_values(v, arr, obj, values, axis=None):
    """Adjoint of `np.insert(arr, obj, values, axis)` in values: v summed over the
    entries each value was inserted (or broadcast) into."""
    src = _sources(arr, obj, values, axis)
    v = np.broadcast_to(v, np.shape(src))
    new = src < 0
    out = _zeros(arr, np.size(values), v, values)
    np.add.at(out, -1 - src[new], v[new])
    return np.reshape(out, np.shape(values))[()]


# ---- np.convolve, np.correlate: a window of the full product ---------------------------
# np.correlate(a, v, mode) is a window of np.convolve(a, v[::-1], 'full'); so is
# np.convolve(a, v, mode) of np.convolve(a, v, 'full'). The adjoint in a of the full
# product u -> conv(a, u) is np.correlate(c, u, 'valid'), in u np.correlate(c, a, 'valid').
def _window(m, n, mode, corr):
    """Where the result of `mode` starts in the full product (NumPy's centring)."""
    if mode == "full":
        return 0
    k = min(m, n)
    if mode == "valid":
        return k - 1
    return k // 2 if corr and n > m else (k - 1) // 2


def _full(c, a, v, mode, corr):
    m, n = np.size(a), np.size(v)
    out = _zeros(a, m + n - 1, c, v)
    start = _window(m, n, mode, corr)
    length = {"full": m + n - 1, "same": max(m, n), "valid": max(m, n) - min(m, n) + 1}
    out[start:start + length[mode]] = c
    return out


def convolve_ga(c, a, v, mode="full", corr=False):
    """Adjoint in a of np.convolve(a, v, mode) (corr: np.correlate(a, v, mode))."""
    u = v[::-1] if corr else v
    return np.correlate(_full(c, a, v, mode, corr), u, "valid")


def convolve_gb(c, a, v, mode="full", corr=False):
    """Adjoint in v of np.convolve(a, v, mode) (corr: np.correlate(a, v, mode))."""
    out = np.correlate(_full(c, a, v, mode, corr), a, "valid")
    return out[::-1] if corr else out


# ---- np.add.at(a, index, v), written a[index] = added_at(a, index, v) -------------------
def added_at(a, index, v):
    """The entries a[index] become after np.add.at(a, index, v) (an index may repeat:
    each repetition reads the same total), so that the scatter-add is the item write
    a[index] = added_at(a, index, v), which the sweeps know how to reverse."""
    out = a.copy()
    np.add.at(out, index, v)
    return out[index]
