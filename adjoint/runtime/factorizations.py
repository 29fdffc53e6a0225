"""The adjoints and tangents of eigh, svd, qr and lstsq, as first-order gradients call
them (re-exported by `adjoint.runtime`).

Each equals an expression of smaller helpers and NumPy functions that have rules,
registered with `rules.expands` in rules/decompositions.py: a gradient that calls one
of these and is differentiated again is differentiated through that expression
(tests/test_rules.py checks that helper and expression agree). The formulas and
the treatment of repeated values are described there and in decompositions.py.
An adjoint `v` of a tuple result is a tuple whose unused entries may be numbers.
"""
from __future__ import annotations

import numpy as np

from .decompositions import (asym, complement_check, complete, complete_t, cut_t,
                             diag_embed, div0, entry, outside, gauge_check, kdim, lower_sym, lower_sym_t,
                             lstsq_pinv, pair_div, pinv_grad, pinv_jvp, project,
                             resid_weights, resid_weights_t, spread)

__all__ = ["eigh_grad", "eigh_jvp", "svd_grad", "svd_jvp", "qr_grad", "qr_jvp",
           "lstsq_grad", "lstsq_jvp"]


def _T(x):
    return np.swapaxes(x, -1, -2)


def eigh_grad(v, ans, UPLO="L"):
    """Adjoint of `w, V = np.linalg.eigh(a, UPLO)` in a:
    lower_sym_t(V (diag(wbar) + F o V^T Vbar) V^T)."""
    w, V = ans[0], ans[1]
    core = diag_embed(entry(v, 0, ans)) + pair_div(w, gauge_check(w, _T(V) @ entry(v, 1, ans)))
    return lower_sym_t(V @ core @ _T(V), UPLO)


def eigh_jvp(t, ans, UPLO="L"):
    """Tangent of eigh along t: (diag(M), V (F o M)), M = V^T t V (t as eigh reads it)."""
    w, V = ans[0], ans[1]
    m = _T(V) @ lower_sym(t, UPLO) @ V
    return np.diagonal(m, 0, -2, -1).copy(), V @ pair_div(w, m)


def svd_grad(v, ans, a):
    """Adjoint of `U, s, Vh = np.linalg.svd(a, full_matrices)` in a."""
    U, s, V = ans[0], ans[1], _T(ans[2])
    k = kdim(a)
    gU = complete_t(complement_check(entry(v, 0, ans), U, k, "U"), U, k)
    gV = complete_t(complement_check(_T(entry(v, 2, ans)), V, k, "Vh"), V, k)
    U1, V1 = U[..., :k], V[..., :k]
    uu, vv = _T(U1) @ gU, _T(V1) @ gV
    ju, jv = asym(uu), asym(vv)
    core = 0.5 * pair_div(s, gauge_check(s, ju + jv)) + 0.5 * pair_div(s, ju - jv, True) \
        + diag_embed(entry(v, 1, ans))
    row = np.expand_dims(s, -2)
    pu, pv = div0(outside(gU, U1), row), div0(outside(gV, V1), row)
    return (U1 @ core + pu) @ _T(V1) + U1 @ _T(pv)


def svd_jvp(t, ans, a):
    """Tangent (dU, ds, dVh) of np.linalg.svd along t."""
    U, s, V = ans[0], ans[1], _T(ans[2])
    k = kdim(a)
    U1, V1 = U[..., :k], V[..., :k]
    p = _T(U1) @ t @ V1
    sym, skew = pair_div(s, p + _T(p)), pair_div(s, asym(p), True)
    row = np.expand_dims(s, -2)
    du = U1 @ (0.5 * sym + 0.5 * skew) + div0(outside(t @ V1, U1), row)
    dv = V1 @ (0.5 * sym - 0.5 * skew) + div0(outside(_T(t) @ U1, V1), row)
    return complete(du, U), np.diagonal(p, 0, -2, -1).copy(), _T(complete(dv, V))


def qr_grad(v, ans, a):
    """Adjoint of `Q, R = np.linalg.qr(a, mode)` ('reduced' or 'complete') in a:
    with a = [a1 a2], R = [R1 R2] (k = min(m, n) columns in a1, R1),
    Qbar' = Qbar + a2 R2bar^T, M = R1 R1bar^T - Qbar'^T Q:
    abar = [(Qbar' + Q copyltu(M)) R1^-T, Q R2bar]."""
    Q, R = ans[0], ans[1]
    k = kdim(a)
    Q1, R1 = Q[..., :k], R[..., :k, :k]
    gR = entry(v, 1, ans)[..., :k, :]
    gQ = complete_t(complement_check(entry(v, 0, ans), Q, k, "Q"), Q, k) \
        + a[..., k:] @ _T(gR[..., k:])
    x = gQ + Q1 @ lower_sym(R1 @ _T(gR[..., :k]) - _T(gQ) @ Q1)
    return np.concatenate([_T(np.linalg.solve(R1, _T(x))), Q1 @ gR[..., k:]], axis=-1)


def qr_jvp(t, ans, a):
    """Tangent (dQ, dR) of np.linalg.qr along t: with Y = t1 R1^-1,
    C = upper(Q^T Y) = dR1 R1^-1, dQ = Y - Q C, dR = [C R1, dQ^T a2 + Q^T t2]."""
    Q, R = ans[0], ans[1]
    k = kdim(a)
    Q1, R1 = Q[..., :k], R[..., :k, :k]
    y = _T(np.linalg.solve(_T(R1), _T(t[..., :k])))
    c = lower_sym_t(_T(Q1) @ y, "U")
    dq = y - Q1 @ c
    dr2 = _T(dq) @ a[..., k:] + _T(Q1) @ t[..., k:]
    return complete(dq, Q), cut_t(np.concatenate([c @ R1, dr2], axis=-1), R, 0, k, -2)


def _column(x, n):
    return np.reshape(x, (n, -1))


def lstsq_grad(v, ans, a, b, rcond=None):
    """Adjoint of `x, res, rank, sv = np.linalg.lstsq(a, b, rcond)` in a: x = P b
    (P the pseudo-inverse lstsq applies), res = |b - a x|^2 per column (its derivative
    in x vanishes where NumPy returns it), sv the singular values."""
    m, n = np.shape(a)[-2:]
    x = ans[0]
    out = pinv_grad(_column(entry(v, 0, ans), n) @ _T(_column(b, m)), a, lstsq_pinv(a, rcond))
    weights = resid_weights(entry(v, 1, ans), b)
    if np.any(weights):
        out = out - 2.0 * _column((b - a @ x) * weights, m) @ _T(_column(x, n))
    sv = entry(v, 3, ans)
    if np.any(sv):
        out = out + spread(np.linalg.svd(a, full_matrices=False), sv)
    return out


def lstsq_jvp(t, ans, a, b, rcond=None):
    """Tangent (dx, dres, 0, dsv) of np.linalg.lstsq along t (the tangent of a)."""
    x = ans[0]
    dres = resid_weights_t(-2.0 * np.sum((b - a @ x) * (t @ x), axis=0), ans[1], b)
    return (pinv_jvp(t, a, lstsq_pinv(a, rcond)) @ b, dres, 0.0,
            project(np.linalg.svd(a, full_matrices=False), t))
