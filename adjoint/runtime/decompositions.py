"""Runtime helpers behind the rules of eigh, svd, qr, pinv, lstsq and matrix_power
(re-exported by `adjoint.runtime`; their own rules are in rules/helpers_linalg.py).

The rules themselves (rules/decompositions.py) are compositions of these small
helpers and NumPy functions that have rules, so second derivatives need no
hand-derived formulas. Each helper is pure, keeps the array type and the float
dtype it is given, and works on stacks of matrices (the last two axes).

Repeated eigen/singular values: `pair_div` divides by w_j - w_i, which is zero
when two values coincide. Pairs closer than sqrt(eps) * max|w| are "repeated" and
contribute nothing: exact for anything that depends on the values only or on the
invariant subspace of the repeated values (the rotation among their vectors is
then irrelevant). A gradient that depends on the individual vectors of a repeated
value has no derivative: `gauge_check` turns it into nan (reverse mode).
"""
from __future__ import annotations

import numpy as np

from .kinds import constant, float_dtype, like_of
from ..errors import UsageError

__all__ = ["pair_div", "gauge_check", "lower_sym", "lower_sym_t", "asym", "outside",
           "div0", "diag_embed",
           "entry", "cut", "cut_t", "kdim", "complete", "complete_t", "complement_check",
           "spread", "project", "spread_sym", "project_sym", "pinv_grad",
           "pinv_jvp", "lstsq_pinv", "resid_weights", "resid_weights_t", "block_upper",
           "upper_right"]


def _T(x):
    return np.swapaxes(x, -1, -2)


# ---- repeated eigen/singular values ----------------------------------------------
def _repeated(w, d):
    """Where |d| (pairwise w_j -+ w_i) is below the resolution of w, plus the diagonal."""
    scale = np.max(np.abs(w), axis=-1, keepdims=True, initial=0.0)[..., None]
    tol = np.sqrt(np.finfo(float_dtype(w)).eps) * scale
    return (np.abs(d) <= tol) | np.eye(np.shape(w)[-1], dtype=bool)


def pair_div(w, x, plus=False):
    """x_ij / (w_j - w_i) (with `plus`: / (w_j + w_i)), 0 on the diagonal and at pairs
    of repeated values (see the module docstring). Linear in x."""
    w = np.asarray(w) if not hasattr(w, "shape") else w
    d = w[..., None, :] + w[..., :, None] if plus else w[..., None, :] - w[..., :, None]
    small = _repeated(w, d)
    return np.where(small, 0 * x, x / np.where(small, 1, d))  # (0 * nan: gauge_check's)


def gauge_check(w, x):
    """`x`, or nan where a pair of repeated values meets a nonzero antisymmetric part
    x_ij - x_ji: the loss then depends on which vectors NumPy picked for a repeated
    value, and has no derivative there."""
    w = np.asarray(w) if not hasattr(w, "shape") else w
    d = w[..., None, :] - w[..., :, None]
    n = np.shape(w)[-1]
    repeated = _repeated(w, d) & ~np.eye(n, dtype=bool)
    if not np.any(repeated):
        return x
    skew = np.abs(x - _T(x))
    eps = np.sqrt(np.finfo(float_dtype(x)).eps)
    bad = repeated & (skew > eps * np.max(np.abs(x), axis=(-2, -1), keepdims=True))
    return np.where(bad, np.nan, x) if np.any(bad) else x


# ---- small linear maps -------------------------------------------------------------
def lower_sym(a, UPLO="L"):
    """The symmetric matrix eigh reads from `a`: its lower (UPLO='U': upper) triangle
    mirrored. Linear; its adjoint is `lower_sym_t`."""
    if UPLO.upper() == "L":
        return np.tril(a) + _T(np.tril(a, -1))
    return np.triu(a) + _T(np.triu(a, 1))


def lower_sym_t(v, UPLO="L"):
    """Adjoint of `lower_sym`: v_ij + v_ji below (above) the diagonal, v_ii on it."""
    s = v + _T(v)
    if UPLO.upper() == "L":
        return np.tril(s, -1) + np.tril(np.triu(v))
    return np.triu(s, 1) + np.tril(np.triu(v))


def asym(x):
    """x - x^T (self-adjoint up to sign: its adjoint is itself)."""
    return x - _T(x)


def outside(x, q):
    """x - q q^T x: the part of x outside the span of q's orthonormal columns; exactly
    zero when q is square (the span is everything)."""
    if np.shape(q)[-1] == np.shape(q)[-2]:
        return np.zeros_like(x, dtype=float_dtype(x, q))
    return x - q @ (_T(q) @ x)


def div0(x, s):
    """x / s, and 0 where x is 0 (a zero gradient over a zero singular value)."""
    return np.where(x == 0, 0 * s, x / np.where(x == 0, 1, s))


def diag_embed(v):
    """Stacked diagonal matrices from the last axis of v."""
    n = np.shape(v)[-1]
    return v[..., :, None] * constant(np.eye(n, dtype=float_dtype(v)), like_of(v))


def entry(g, i, like):
    """Entry i of the adjoint of a tuple result `like`, as an array of the shape of
    like[i] (an entry nothing used may be a number or None; so may all of g)."""
    if not isinstance(like, (tuple, list)):
        raise UsageError(f"this gradient rule reads the tuple result of its call, and got "
                         f"a {type(like).__name__}",
                         hint="call the function in the form that returns the tuple "
                              "(the default mode/compute_uv) and index the result")
    part = g[i] if isinstance(g, (tuple, list)) else g
    if part is None:
        part = 0.0
    if hasattr(part, "shape") and np.shape(part) == np.shape(like[i]):
        return part
    return part + np.zeros_like(like[i], dtype=float_dtype(like[i]))


def cut(x, start, stop=None, axis=-1):
    """x[..., start:stop] along `axis` (a copy)."""
    index = [slice(None)] * np.ndim(x)
    index[axis] = slice(start, stop)
    return x[tuple(index)].copy()


def cut_t(v, like, start, stop=None, axis=-1):
    """Adjoint of `cut`: zeros shaped like `like` with v at [start:stop] along axis."""
    out = np.zeros_like(like, dtype=float_dtype(like, v))
    index = [slice(None)] * np.ndim(like)
    index[axis] = slice(start, stop)
    out[tuple(index)] = v
    return out


def kdim(a):
    """min(m, n) of the (stacked) m x n matrix a: the number of singular values."""
    return min(np.shape(a)[-2:])


# ---- completions: the columns of Q beyond k (svd full_matrices, qr 'complete') ------
# Q = [Q1 Q2]; Q2 is any orthonormal basis of the complement of Q1, which NumPy picks
# arbitrarily. Its tangent is taken as the one that does not rotate within the
# complement: dQ2 = -Q1 dQ1^T Q2 (so Q stays orthogonal). `complete` makes the full
# tangent from dQ1; `complete_t` is its transpose, folding an adjoint of Q into one
# of Q1 (right for any loss that does not depend on the basis of the complement).
def complete(t, q):
    """[t, -q1 t^T q2] for t shaped like q1 = q[..., :k], k = t.shape[-1]."""
    k = np.shape(t)[-1]
    if np.shape(q)[-1] == k:
        return t
    q1, q2 = q[..., :k], q[..., k:]
    return np.concatenate([t, -(q1 @ (_T(t) @ q2))], axis=-1)


def complete_t(v, q, k):
    """Transpose of `complete` in t: v1 - q2 v2^T q1 (v1, v2 the first k and the
    other columns of v)."""
    if np.shape(v)[-1] == k:
        return v
    q1, q2 = q[..., :k], q[..., k:]
    return v[..., :k] - q2 @ (_T(v[..., k:]) @ q1)


def complement_check(v, q, k, what="U"):
    """`v` (an adjoint of q), or a UsageError when it depends on the basis of the
    complement q[..., k:] that NumPy picks arbitrarily (q2^T v2 not symmetric)."""
    if np.shape(v)[-1] == k:
        return v
    q2, v2 = q[..., k:], v[..., k:]
    m = _T(q2) @ v2
    skew = np.max(np.abs(m - _T(m))) if np.size(m) else 0.0
    if skew > np.sqrt(np.finfo(float_dtype(v)).eps) * max(np.max(np.abs(m)), 1e-300) \
            and skew > 0:
        raise UsageError(
            f"the gradient reaches the columns of {what} beyond min(m, n), a basis of the "
            "complement that NumPy picks arbitrarily for a non-square matrix, in a way "
            "that depends on that choice: it has no derivative",
            hint="use full_matrices=False (np.linalg.svd) or mode='reduced' "
                 "(np.linalg.qr), or depend on those columns only through their span")
    return v


# ---- values only: eigvalsh, svd(compute_uv=False), svdvals, lstsq's sv ---------------
# Each takes the decomposition as the tuple NumPy returns (computed once in the
# template); `spread` and `project` are each other's transposes in their last argument.
def spread(usv, v):
    """U diag(v) Vh for usv = (U, s, Vh): the adjoint of the singular values."""
    u, vh = usv[0], usv[2]
    return (u * np.expand_dims(v, -2)) @ vh


def project(usv, t):
    """diag(U^T t V) for usv = (U, s, Vh): the tangent of the singular values along t."""
    return np.sum(usv[0] * (t @ _T(usv[2])), axis=-2)


def spread_sym(wv, v):
    """V diag(v) V^T for wv = (w, V): the adjoint of the eigenvalues."""
    V = wv[1]
    return (V * np.expand_dims(v, -2)) @ _T(V)


def project_sym(wv, t):
    """diag(V^T t V) for wv = (w, V): the tangent of the eigenvalues along t."""
    V = wv[1]
    return np.sum(V * (t @ V), axis=-2)


# ---- pinv and lstsq: P = pinv(a) (constant rank) --------------------------------------
def pinv_jvp(e, a, p):
    """Tangent of P = pinv(a) along e: -P e P + P P^T e^T (I - a P) + (I - P a) e^T P^T P."""
    et = _T(e)
    return -(p @ e @ p) + (p @ _T(p)) @ (et - (et @ a) @ p) + \
        (et - p @ (a @ et)) @ (_T(p) @ p)


def pinv_grad(g, a, p):
    """Adjoint of P = pinv(a) (transpose of `pinv_jvp` in its first argument)."""
    gt = _T(g)
    return -(_T(p) @ g @ _T(p)) + (gt - a @ (p @ gt)) @ (p @ _T(p)) + \
        (_T(p) @ p) @ (gt - (gt @ p) @ a)


def lstsq_pinv(a, rcond=None):
    """The pseudo-inverse np.linalg.lstsq(a, ., rcond) applies (the same cutoff)."""
    eye = np.eye(np.shape(a)[-2], dtype=float_dtype(a))
    return np.linalg.lstsq(a, eye, rcond=rcond)[0]


def resid_weights(v, b):
    """The adjoint of lstsq's residuals (shape (k,), (1,) or (0,)) as weights of the
    columns of b - a x: per column, a number for a vector b, 0 without residuals."""
    if np.size(v) == 0:
        return 0.0
    return v[0] if np.ndim(b) == 1 else v


def resid_weights_t(w, like, b):
    """Transpose of `resid_weights`: per-column values w shaped like the residuals."""
    if np.size(like) == 0:
        return np.zeros_like(like, dtype=float_dtype(like, w))
    return np.reshape(w, (1,)) if np.ndim(b) == 1 else w + np.zeros_like(like)


# ---- matrix_power: f([[a, e], [0, a]]) = [[f(a), L_f(a, e)], [0, f(a)]] ----------------
def block_upper(a, e):
    """[[a, e], [0, a]] (stacked): its power holds the derivative of a's power along
    e in the upper right block. Linear in (a, e) together."""
    z = np.zeros_like(a, dtype=float_dtype(a, e))
    return np.concatenate([np.concatenate([a + z, e + z], axis=-1),
                           np.concatenate([z, a + z], axis=-1)], axis=-2)


def upper_right(x):
    """The upper right quarter of a (stacked) 2n x 2n matrix."""
    n = np.shape(x)[-1] // 2
    return x[..., :n, n:].copy()
