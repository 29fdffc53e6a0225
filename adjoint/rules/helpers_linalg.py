"""Rules for the runtime helpers of the decomposition rules (runtime/decompositions.py),
so that gradients through eigh, svd, qr, pinv, lstsq and matrix_power are
differentiable again. As in helpers.py, a helper's incoming-adjoint argument is `v`
(`g` is the template name of this rule's own incoming adjoint).
"""
from .. import runtime as rt
from .registry import defrule, nondiff


def _T(x):
    return f"np.swapaxes({x}, -1, -2)"


def _row(v):
    return f"np.expand_dims({v}, -2)"


def _col(v):
    return f"np.expand_dims({v}, -1)"


# ---- pair_div(w, x) = x_ij / D_ij, D_ij = w_j + c w_i (c = -1, or +1 with plus) ----------
_C = "(2 * plus - 1)"
_XD2 = "rt.pair_div(w, rt.pair_div(w, x, plus), plus)"  # x / D^2 (0 where masked)
defrule(rt.pair_div, "w, x, plus=False", name="rt.pair_div",
        x="rt.pair_div(w, g, plus)",
        w=f"-(np.sum(g * {_XD2}, axis=-2) + {_C} * np.sum(g * {_XD2}, axis=-1))",
        jvp={"x": "rt.pair_div(w, dx, plus)",
             "w": f"-{_XD2} * ({_row('dw')} + {_C} * {_col('dw')})"})
defrule(rt.gauge_check, "w, x", name="rt.gauge_check", x="g", jvp={"x": "dx"})
defrule(rt.complement_check, "v, q, k, what='U'", name="rt.complement_check", v="g",
        jvp={"v": "dv"})
nondiff(rt.kdim)

# ---- linear maps and their transposes -----------------------------------------------------
defrule(rt.lower_sym, "a, UPLO='L'", name="rt.lower_sym", a="rt.lower_sym_t(g, UPLO)",
        jvp={"a": "rt.lower_sym(da, UPLO)"})
defrule(rt.lower_sym_t, "v, UPLO='L'", name="rt.lower_sym_t", v="rt.lower_sym(g, UPLO)",
        jvp={"v": "rt.lower_sym_t(dv, UPLO)"})
_SQUARE = "np.shape(q)[-1] == np.shape(q)[-2]"  # outside(x, q) is 0 for a square q
defrule(rt.outside, "x, q", name="rt.outside", x="rt.outside(g, q)",
        q=f"0.0 * q if {_SQUARE} else -(g @ {_T('x')} @ q + x @ {_T('g')} @ q)",
        jvp={"x": "rt.outside(dx, q)",
             "q": f"0.0 * x if {_SQUARE} else -(dq @ ({_T('q')} @ x) + q @ ({_T('dq')} @ x))"})
defrule(rt.div0, "x, s", name="rt.div0", broadcast=True, x="rt.div0(g, s)",
        s="-rt.div0(rt.div0(g * x, s), s)",
        jvp={"x": "rt.div0(dx, s)", "s": "-rt.div0(rt.div0(x * ds, s), s)"})
defrule(rt.asym, "x", name="rt.asym", x="rt.asym(g)", jvp={"x": "rt.asym(dx)"})
defrule(rt.diag_embed, "v", name="rt.diag_embed", v="np.diagonal(g, 0, -2, -1)",
        jvp={"v": "rt.diag_embed(dv)"})
defrule(rt.entry, "v, i, like", name="rt.entry", v="rt.getitem_grad(g, like, i)",
        jvp={"v": "rt.entry(dv, i, like)"})
defrule(rt.cut, "x, start, stop=None, axis=-1", name="rt.cut",
        x="rt.cut_t(g, x, start, stop, axis)", jvp={"x": "rt.cut(dx, start, stop, axis)"})
defrule(rt.cut_t, "v, like, start, stop=None, axis=-1", name="rt.cut_t",
        v="rt.cut(g, start, stop, axis)", jvp={"v": "rt.cut_t(dv, like, start, stop, axis)"})
defrule(rt.upper_right, "x", name="rt.upper_right", x="rt.block_upper(np.zeros_like(g), g)",
        jvp={"x": "rt.upper_right(dx)"})
_N = "np.shape(a)[-1]"
defrule(rt.block_upper, "a, e", name="rt.block_upper",
        a=f"rt.cut(rt.cut(g, 0, {_N}, -2), 0, {_N}) + rt.cut(rt.cut(g, {_N}, None, -2), {_N})",
        e="rt.upper_right(g)",
        jvp={"a": "rt.block_upper(da, np.zeros_like(e))",
             "e": "rt.block_upper(np.zeros_like(a), de)"})

# ---- completions: complete(t, q) = [t, -q1 t^T q2], complete_t(v, q, k) = v1 - q2 v2^T q1
_k = "np.shape(t)[-1]"
_q1, _q2 = f"rt.cut(q, 0, {_k})", f"rt.cut(q, {_k})"
_g2 = f"rt.cut(g, {_k})"
defrule(rt.complete, "t, q", name="rt.complete", t=f"rt.complete_t(g, q, {_k})",
        q=(f"-np.concatenate([{_g2} @ ({_T(_q2)} @ t), t @ ({_T(_q1)} @ {_g2})], "
           "axis=-1)"),
        jvp={"t": "rt.complete(dt, q)",
             "q": (f"rt.cut_t(-(rt.cut(dq, 0, {_k}) @ ({_T('t')} @ {_q2}) + {_q1} @ "
                   f"({_T('t')} @ rt.cut(dq, {_k}))), q, {_k})")})
_p1, _p2, _v2 = "rt.cut(q, 0, k)", "rt.cut(q, k)", "rt.cut(v, k)"
defrule(rt.complete_t, "v, q, k", name="rt.complete_t", v="rt.complete(g, q)",
        q=(f"-np.concatenate([{_v2} @ ({_T(_p2)} @ g), g @ ({_T(_p1)} @ {_v2})], "
           "axis=-1)"),
        jvp={"v": "rt.complete_t(dv, q, k)",
             "q": (f"-(rt.cut(dq, k) @ ({_T(_v2)} @ {_p1}) + {_p2} @ ({_T(_v2)} @ "
                   "rt.cut(dq, 0, k)))")})

# ---- the values of a decomposition: spread(T, v) = U diag(v) Vh, project(T, t) =
# diag(U^T t V) for T = (U, s, Vh); spread_sym, project_sym for T = (w, V) --------------
_U, _VH, _V = "T[0]", "T[2]", "T[1]"
defrule(rt.spread, "T, v", name="rt.spread", v="rt.project(T, g)",
        T=(f"rt.getitem_grad((g @ {_T(_VH)}) * {_row('v')}, T, 0) + "
           f"rt.getitem_grad({_col('v')} * ({_T(_U)} @ g), T, 2)"),
        jvp={"v": "rt.spread(T, dv)",
             "T": f"(dT[0] * {_row('v')}) @ {_VH} + ({_U} * {_row('v')}) @ dT[2]"})
defrule(rt.project, "T, t", name="rt.project", t="rt.spread(T, g)",
        T=(f"rt.getitem_grad((t @ {_T(_VH)}) * {_row('g')}, T, 0) + "
           f"rt.getitem_grad({_col('g')} * ({_T(_U)} @ t), T, 2)"),
        jvp={"t": "rt.project(T, dt)",
             "T": (f"np.sum(dT[0] * (t @ {_T(_VH)}), axis=-2) + "
                   f"np.sum({_U} * (t @ {_T('dT[2]')}), axis=-2)")})
defrule(rt.spread_sym, "T, v", name="rt.spread_sym", v="rt.project_sym(T, g)",
        T=f"rt.getitem_grad((g + {_T('g')}) @ {_V} * {_row('v')}, T, 1)",
        jvp={"v": "rt.spread_sym(T, dv)",
             "T": (f"(dT[1] * {_row('v')}) @ {_T(_V)} + ({_V} * {_row('v')}) @ "
                   f"{_T('dT[1]')}")})
defrule(rt.project_sym, "T, t", name="rt.project_sym", t="rt.spread_sym(T, g)",
        T=f"rt.getitem_grad((t + {_T('t')}) @ {_V} * {_row('g')}, T, 1)",
        jvp={"t": "rt.project_sym(T, dt)",
             "T": f"np.sum(dT[1] * (t @ {_V}), axis=-2) + np.sum({_V} * (t @ dT[1]), "
                  "axis=-2)"})


# ---- polynomial helpers: sums of matrix products, their rules written out -----------------
def _product(factors):
    return " @ ".join(_T(n) if t else n for n, t in factors)


def _flip(factors):
    """The transpose of a product: reversed, each factor transposed."""
    return [(n, not t) for n, t in reversed(factors)]


def _product_rule(fn, signature, terms):
    """Register the rule of `fn`, the sum of `terms` (sign, factors), a factor a
    parameter name with a transpose mark: "p'" is p^T."""
    params = [p.split("=")[0].strip() for p in signature.split(",")]
    parsed = [(sign, [(f.rstrip("'"), f.endswith("'")) for f in text.split()])
              for sign, text in terms]
    vjp, jvp = {}, {}
    for p in params:
        back, fwd = [], []
        for sign, factors in parsed:
            for i, (name, t) in enumerate(factors):
                if name != p:
                    continue
                left, right = factors[:i], factors[i + 1:]
                part = _flip(left) + [("g", False)] + _flip(right)
                back.append(f"{sign} {_product(_flip(part) if t else part)}")
                fwd.append(f"{sign} {_product(left + [('d' + p, t)] + right)}")
        if back:
            vjp[p] = " ".join(back).lstrip("+ ")
            jvp[p] = " ".join(fwd).lstrip("+ ")
    defrule(fn, signature, name=f"rt.{fn.__name__}", jvp=jvp, **vjp)


# pinv_jvp(e, a, p) = -P e P + P P^T e^T (I - a P) + (I - P a) e^T P^T P, and its
# transpose in e, pinv_grad(v, a, p)
_product_rule(rt.pinv_jvp, "e, a, p", [("-", "p e p"), ("+", "p p' e'"),
                                       ("-", "p p' e' a p"), ("+", "e' p' p"),
                                       ("-", "p a e' p' p")])
_product_rule(rt.pinv_grad, "v, a, p", [("-", "p' v p'"), ("+", "v' p p'"),
                                        ("-", "a p v' p p'"), ("+", "p' p v'"),
                                        ("-", "p' p v' p a")])
defrule(rt.lstsq_pinv, "a, rcond=None", name="rt.lstsq_pinv", a="rt.pinv_grad(g, a, ans)",
        jvp={"a": "rt.pinv_jvp(da, a, ans)"})
defrule(rt.resid_weights, "v, b", name="rt.resid_weights", v="rt.resid_weights_t(g, v, b)",
        jvp={"v": "rt.resid_weights(dv, b)"})
defrule(rt.resid_weights_t, "w, like, b", name="rt.resid_weights_t",
        w="rt.resid_weights(g, b)", jvp={"w": "rt.resid_weights_t(dw, like, b)"})
