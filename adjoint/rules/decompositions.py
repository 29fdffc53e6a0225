"""Rules for the matrix decompositions of `numpy.linalg`: eigh, eigvalsh, svd, svdvals,
qr, pinv, lstsq and matrix_power.

Each template is written from NumPy functions and small helpers that have rules of
their own (runtime/decompositions.py, rules/helpers_linalg.py), so the generated
gradients are differentiable again without hand-derived second derivatives. The
tuple results arrive as a tuple adjoint `g` whose unused entries may be zeros or
numbers (`rt.entry` makes each an array). Formulas, with F_ij = 1/(w_j - w_i):

    eigh   a = V diag(w) V^T      abar = V (diag(wbar) + F o V^T Vbar) V^T
    svd    a = U diag(s) V^T      (Townsend 2016) the factor 1/(s_j^2 - s_i^2) split
           into 1/(s_j - s_i) and 1/(s_j + s_i) parts, so that only F divides by a gap:
           abar = U (F/2 o (J_U + J_V) + E/2 o (J_U - J_V) + diag(sbar)) V^T + outside
           terms, J_U = U^T Ubar - Ubar^T U, E_ij = 1/(s_i + s_j)
    qr     a = QR, M = R Rbar^T - Qbar^T Q:  abar = (Qbar + Q copyltu(M)) R^-T
    pinv   P = a^+ at constant rank (Golub and Pereyra 1973)

The adjoints of eigh, svd, qr and lstsq are helpers (runtime/factorizations.py) that
first derivatives call, each declared here by the expression it computes
(`expands`): a gradient differentiated again is differentiated through it.
eigh/eigvalsh read one triangle of `a` (UPLO): the gradient is the derivative of
that function, zero in the other triangle. Repeated values: see runtime/decompositions.
svd(full_matrices=True) and qr(mode='complete') of a non-square matrix return a
basis of the complement that NumPy picks arbitrarily: rt.complete/complete_t follow
it without rotating it (exact for anything depending on its span only; a gradient
depending on the basis itself is an error).
"""
import numpy as np

from .. import runtime as rt
from .registry import defrule, expands


def _T(x):
    return f"np.swapaxes({x}, -1, -2)"


def _row(s):
    return f"np.expand_dims({s}, -2)"  # a vector as a row: scales the columns


# ---- eigh and eigvalsh -----------------------------------------------------------------
_W, _V = "ans[0]", "ans[1]"
_M = f"{_T(_V)} @ rt.lower_sym(t, UPLO) @ {_V}"  # V^T t V, t as eigh reads it
expands(rt.eigh_grad, "v, ans, UPLO='L'", name="rt.eigh_grad",
        template=(f"rt.lower_sym_t({_V} @ (rt.diag_embed(rt.entry(v, 0, ans)) + rt.pair_div("
                  f"{_W}, rt.gauge_check({_W}, {_T(_V)} @ rt.entry(v, 1, ans)))) @ "
                  f"{_T(_V)}, UPLO)"))
expands(rt.eigh_jvp, "t, ans, UPLO='L'", name="rt.eigh_jvp",
        template=f"(np.diagonal({_M}, 0, -2, -1), {_V} @ rt.pair_div({_W}, {_M}))")
defrule(np.linalg.eigh, "a, UPLO='L'", a="rt.eigh_grad(g, ans, UPLO)",
        jvp={"a": "rt.eigh_jvp(da, ans, UPLO)"})
defrule(np.linalg.eigvalsh, "a, UPLO='L'",
        a="rt.lower_sym_t(rt.spread_sym(np.linalg.eigh(a, UPLO), g), UPLO)",
        jvp={"a": "rt.project_sym(np.linalg.eigh(a, UPLO), rt.lower_sym(da, UPLO))"})


# ---- svd and svdvals ---------------------------------------------------------------------
_K = "rt.kdim(a)"
_U, _S, _VF = "ans[0]", "ans[1]", _T("ans[2]")  # U, s and V = Vh^T (full or thin)
_U1, _V1 = f"rt.cut({_U}, 0, {_K})", f"rt.cut({_VF}, 0, {_K})"


def _folded(g, q, what):
    """The adjoint of q's first k columns, the rest folded in (rt.complete_t)."""
    return f"rt.complete_t(rt.complement_check({g}, {q}, {_K}, {what!r}), {q}, {_K})"


def _svd_vjp():
    gU = _folded("rt.entry(v, 0, ans)", _U, "U")
    gV = _folded(_T("rt.entry(v, 2, ans)"), _VF, "Vh")
    ju, jv = f"rt.asym({_T(_U1)} @ {gU})", f"rt.asym({_T(_V1)} @ {gV})"
    core = (f"0.5 * rt.pair_div({_S}, rt.gauge_check({_S}, {ju} + {jv})) + "
            f"0.5 * rt.pair_div({_S}, {ju} - {jv}, True) + rt.diag_embed(rt.entry(v, 1, ans))")
    pu = f"rt.div0(rt.outside({gU}, {_U1}), {_row(_S)})"  # outside the spans, over s
    pv = f"rt.div0(rt.outside({gV}, {_V1}), {_row(_S)})"
    return f"({_U1} @ ({core}) + {pu}) @ {_T(_V1)} + {_U1} @ {_T(pv)}"


def _svd_jvp():
    p = f"({_T(_U1)} @ t @ {_V1})"
    sym = f"rt.pair_div({_S}, {p} + {_T(p)})"
    skew = f"rt.pair_div({_S}, rt.asym({p}), True)"
    du = (f"{_U1} @ (0.5 * {sym} + 0.5 * {skew}) + "
          f"rt.div0(rt.outside(t @ {_V1}, {_U1}), {_row(_S)})")
    dv = (f"{_V1} @ (0.5 * {sym} - 0.5 * {skew}) + "
          f"rt.div0(rt.outside({_T('t')} @ {_U1}, {_V1}), {_row(_S)})")
    return (f"(rt.complete({du}, {_U}), np.diagonal({p}, 0, -2, -1), "
            f"{_T(f'rt.complete({dv}, {_VF})')})")


expands(rt.svd_grad, "v, ans, a", _svd_vjp(), name="rt.svd_grad")
expands(rt.svd_jvp, "t, ans, a", _svd_jvp(), name="rt.svd_jvp")
_THIN = "np.linalg.svd(a, full_matrices=False)"
defrule(np.linalg.svd, "a, full_matrices=True, compute_uv=True, hermitian=False",
        refuses=("hermitian",),
        a=f"rt.svd_grad(g, ans, a) if compute_uv else rt.spread({_THIN}, g)",
        jvp={"a": f"rt.svd_jvp(da, ans, a) if compute_uv else rt.project({_THIN}, da)"})
if hasattr(np.linalg, "svdvals"):  # NumPy >= 2
    defrule(np.linalg.svdvals, "x", x="rt.spread(np.linalg.svd(x, full_matrices=False), g)",
            jvp={"x": "rt.project(np.linalg.svd(x, full_matrices=False), dx)"})


# ---- qr: a = [a1 a2] (k = min(m, n) columns in a1), R = [R1 R2] -------------------------
_Q, _R = "ans[0]", "ans[1]"
_Q1 = f"rt.cut({_Q}, 0, {_K})"
_R1 = f"rt.cut(rt.cut({_R}, 0, {_K}, -2), 0, {_K})"
_A2 = f"rt.cut(a, {_K})"


def _qr_vjp():
    gR = f"rt.cut(rt.entry(v, 1, ans), 0, {_K}, -2)"
    gR2 = f"rt.cut({gR}, {_K})"
    gQ = f"({_folded('rt.entry(v, 0, ans)', _Q, 'Q')} + {_A2} @ {_T(gR2)})"
    m = f"{_R1} @ {_T(f'rt.cut({gR}, 0, {_K})')} - {_T(gQ)} @ {_Q1}"
    x = f"{gQ} + {_Q1} @ rt.lower_sym({m})"
    return f"np.concatenate([{_T(f'np.linalg.solve({_R1}, {_T(x)})')}, {_Q1} @ {gR2}], axis=-1)"


def _qr_jvp():
    y = _T(f"np.linalg.solve({_T(_R1)}, {_T(f'rt.cut(t, 0, {_K})')})")  # t1 R1^-1
    c = f"rt.lower_sym_t({_T(_Q1)} @ {y}, 'U')"  # dR1 R1^-1: upper triangular
    dq = f"({y} - {_Q1} @ {c})"
    dr2 = f"{_T(dq)} @ {_A2} + {_T(_Q1)} @ rt.cut(t, {_K})"
    dr = f"rt.cut_t(np.concatenate([{c} @ {_R1}, {dr2}], axis=-1), {_R}, 0, {_K}, -2)"
    return f"(rt.complete({dq}, {_Q}), {dr})"


expands(rt.qr_grad, "v, ans, a", _qr_vjp(), name="rt.qr_grad")
expands(rt.qr_jvp, "t, ans, a", _qr_jvp(), name="rt.qr_jvp")
defrule(np.linalg.qr, "a, mode='reduced'", refuses=("mode='r'", "mode='raw'"),
        a="rt.qr_grad(g, ans, a)", jvp={"a": "rt.qr_jvp(da, ans, a)"})


# ---- pinv, lstsq, matrix_power ---------------------------------------------------------
defrule(np.linalg.pinv, "a, rcond=None, hermitian=False, rtol=None", refuses=("hermitian",),
        a="rt.pinv_grad(g, a, ans)", jvp={"a": "rt.pinv_jvp(da, a, ans)"})

_P = "rt.lstsq_pinv(a, rcond)"
_RES = "(b - a @ ans[0])"  # the residual vectors


def _col(v, axis):
    return f"np.reshape({v}, (np.shape(a)[{axis}], -1))"  # a vector as a column


expands(rt.lstsq_grad, "v, ans, a, b, rcond=None", name="rt.lstsq_grad", template=(
    f"rt.pinv_grad({_col('rt.entry(v, 0, ans)', -1)} @ {_T(_col('b', -2))}, a, {_P}) - 2.0 * "
    f"{_col(f'{_RES} * rt.resid_weights(rt.entry(v, 1, ans), b)', -2)} @ "
    f"{_T(_col('ans[0]', -1))} + rt.spread(np.linalg.svd(a, full_matrices=False), "
    "rt.entry(v, 3, ans))"))
expands(rt.lstsq_jvp, "t, ans, a, b, rcond=None", name="rt.lstsq_jvp", template=(
    f"(rt.pinv_jvp(t, a, {_P}) @ b, rt.resid_weights_t(-2.0 * np.sum({_RES} * (t @ ans[0]), "
    "axis=0), ans[1], b), 0.0, rt.project(np.linalg.svd(a, full_matrices=False), t))"))
_GW = "rt.resid_weights(rt.entry(g, 1, ans), b)"
defrule(np.linalg.lstsq, "a, b, rcond=None", a="rt.lstsq_grad(g, ans, a, b, rcond)",
        b=f"{_T(_P)} @ rt.entry(g, 0, ans) + 2.0 * {_RES} * {_GW}",
        jvp={"a": "rt.lstsq_jvp(da, ans, a, b, rcond)",
             "b": (f"({_P} @ db, rt.resid_weights_t(2.0 * np.sum({_RES} * db, axis=0), "
                   "ans[1], b), 0.0, np.zeros_like(ans[3]))")})

# the derivative of a**n along e is the upper right block of [[a, e], [0, a]]**n
defrule(np.linalg.matrix_power, "a, n",
        a=f"rt.upper_right(np.linalg.matrix_power(rt.block_upper({_T('a')}, g), n))",
        jvp={"a": "rt.upper_right(np.linalg.matrix_power(rt.block_upper(a, da), n))"})
