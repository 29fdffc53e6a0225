"""Rules for the runtime helpers that are bilinear or nonlinear, or that take or give
lists, so that a second derivative (grad of grad, hessian) goes through them.

As in `runtime.py`, a helper's incoming-adjoint argument is called `v` here (`g` is
the template name of *this* rule's incoming adjoint) and a result-valued argument
`ans_`. Arguments that only give shapes, indices or options have no template.
Every `rt.<name>` a template here calls has a rule too (tests/test_rules.py checks).
"""

from .. import runtime as rt
from .registry import defrule, method, nondiff


def _T(a):
    return f"np.swapaxes({a}, -1, -2)"


def _sym(a):
    return f"0.5 * ({a} + {_T(a)})"


# ---- bilinear adjoints of products: <G, ga(v, a, b)> = <v, f(G, b)> -----------------
for _f, _p in (("inner", ""), ("tensordot", ", axes"), ("kron", "")):
    _sig = "v, a, b" + (", axes=2" if _p else "")
    defrule(getattr(rt, f"{_f}_ga"), _sig, name=f"rt.{_f}_ga",
            v=f"np.{_f}(g, b{_p})", b=f"rt.{_f}_gb(v, g, b{_p})",
            jvp={"v": f"rt.{_f}_ga(dv, a, b{_p})", "b": f"rt.{_f}_ga(v, a, db{_p})"})
    defrule(getattr(rt, f"{_f}_gb"), _sig, name=f"rt.{_f}_gb",
            v=f"np.{_f}(a, g{_p})", a=f"rt.{_f}_ga(v, a, g{_p})",
            jvp={"v": f"rt.{_f}_gb(dv, a, b{_p})", "a": f"rt.{_f}_gb(v, da, b{_p})"})

# ---- einsum: F(v, a, b, c, d) = <v, einsum(a, b, c, d)> is linear in each slot; the
# helper for slot k is dF/dk, independent of slot k itself. --------------------------
_OPS = "abcd"


def _ops(**sub):
    return ", ".join(sub.get(o, o) for o in _OPS)


defrule(rt.einsum_ops, "subscripts, a, b=None, c=None, d=None", name="rt.einsum_ops",
        **{o: f"rt.einsum_g{o}(g, subscripts, {_ops()})" for o in _OPS},
        jvp={o: f"rt.einsum_ops(subscripts, {_ops(**{o: 'd' + o})})" for o in _OPS})
for _k in _OPS:
    _vjp = {"v": f"rt.einsum_ops(subscripts, {_ops(**{_k: 'g'})})"}
    _jvp = {"v": f"rt.einsum_g{_k}(dv, subscripts, {_ops()})"}
    for _o in _OPS.replace(_k, ""):
        _vjp[_o] = f"rt.einsum_g{_o}(v, subscripts, {_ops(**{_k: 'g'})})"
        _jvp[_o] = f"rt.einsum_g{_k}(v, subscripts, {_ops(**{_o: 'd' + _o})})"
    defrule(getattr(rt, f"einsum_g{_k}"), "v, subscripts, a, b=None, c=None, d=None",
            name=f"rt.einsum_g{_k}", jvp=_jvp, **_vjp)

# ---- reductions ----------------------------------------------------------------------
defrule(rt.reduce_jvp, "w, t, axis=None, keepdims=False", broadcast=True,
        name="rt.reduce_jvp", w="rt.sum_grad(g, w * t, axis, keepdims) * t",
        t="rt.sum_grad(g, w * t, axis, keepdims) * w",
        jvp={"w": "rt.reduce_jvp(dw, t, axis, keepdims)",
             "t": "rt.reduce_jvp(w, dt, axis, keepdims)"})
_SV = "rt.sum_grad(v, x, axis, keepdims)"  # v spread over x's shape
defrule(rt.prod_grad, "v, x, axis=None, keepdims=False", name="rt.prod_grad",
        v="np.sum(g * rt.prod_grad(1.0, x, axis, True), axis=axis, keepdims=keepdims)",
        x=f"rt.prod_hess(g * {_SV}, x, axis)",
        jvp={"v": "rt.prod_grad(dv, x, axis, keepdims)",
             "x": f"{_SV} * rt.prod_hess(dx, x, axis)"})
defrule(rt.var_grad, "v, x, axis=None, ddof=0, keepdims=False", name="rt.var_grad",
        v="np.sum(g * rt.var_grad(1.0, x, axis, ddof, True), axis=axis, keepdims=keepdims)",
        x=f"rt.var_grad(1.0, g * {_SV}, axis, ddof, True)",  # linear in x, self-adjoint
        jvp={"v": "rt.var_grad(dv, x, axis, ddof, keepdims)",
             "x": "rt.var_grad(v, dx, axis, ddof, keepdims)"})

# prod_hess(u, x): symmetric in u; in x it is a contraction of prod_grad's adjoint over
# the matrix M = pairs_one(x) (each row a group with one element set to 1).
_M = "rt.pairs_one(x, axis)"
defrule(rt.prod_hess, "u, x, axis=None", name="rt.prod_hess",
        u="rt.prod_hess(g, x, axis)",
        x=f"rt.pairs_t(rt.prod_hess(np.expand_dims(rt.group(g, axis), -1) * "
          f"rt.pairs(u, axis), {_M}, -1), x, axis)",
        jvp={"u": "rt.prod_hess(du, x, axis)",
             "x": f"rt.ungroup(np.sum(rt.prod_hess(rt.pairs(dx, axis), {_M}, -1) * "
                  "rt.pairs(u, axis), axis=-1), x, axis)"})
defrule(rt.group, "v, axis=None", name="rt.group", v="rt.ungroup(g, v, axis)",
        jvp={"v": "rt.group(dv, axis)"})
defrule(rt.ungroup, "v, x, axis=None", name="rt.ungroup", v="rt.group(g, axis)",
        jvp={"v": "rt.ungroup(dv, x, axis)"})
for _fn in (rt.pairs, rt.pairs_one):
    defrule(_fn, "x, axis=None", name=f"rt.{_fn.__name__}", x="rt.pairs_t(g, x, axis)",
            jvp={"x": "rt.pairs(dx, axis)"})
defrule(rt.pairs_t, "c, x, axis=None", name="rt.pairs_t", c="rt.pairs(g, axis)",
        jvp={"c": "rt.pairs_t(dc, x, axis)"})

# ---- np.average: W = weights shaped like a, Z = its sum over the axis ----------------
_W = "rt.weights_like(weights, a, axis)"
_Z = f"np.sum({_W}, axis=axis, keepdims=True)"
_ZK = f"np.sum({_W}, axis=axis, keepdims=keepdims)"
_DW = "rt.weights_like(dweights, a, axis)"
_SA = "rt.sum_grad(v, a, axis, keepdims)"
_D = "(a - rt.sum_grad(ans_, a, axis, keepdims))"   # a minus the (spread) average
_GW = "rt.weights_like(g, a, axis)"
_C = f"(g * {_SA})"
defrule(rt.weights_like, "w, a, axis=None", name="rt.weights_like",
        w="rt.weights_back(g, w, a, axis)", jvp={"w": "rt.weights_like(dw, a, axis)"})
defrule(rt.weights_back, "c, w, a, axis=None", name="rt.weights_back",
        c="rt.broadcast_like(rt.weights_like(g, a, axis), c)",
        jvp={"c": "rt.weights_back(dc, w, a, axis)"})
defrule(rt.average_grad, "v, a, axis=None, weights=None, keepdims=False",
        name="rt.average_grad",  # = v * W / Z (spread); v / n without weights
        v="np.sum(g * rt.average_grad(1.0, a, axis, weights, True), axis=axis, "
          "keepdims=keepdims)",
        weights=f"rt.weights_back(({_C} - np.sum({_W} * {_C}, axis=axis, keepdims=True)"
                f" / {_Z}) / {_Z}, weights, a, axis)",
        jvp={"v": "rt.average_grad(dv, a, axis, weights, keepdims)",
             "weights": f"{_SA} * ({_DW} - rt.average_grad(1.0, a, axis, weights, True) "
                        f"* np.sum({_DW}, axis=axis, keepdims=True)) / {_Z}"})
defrule(rt.average_wgrad, "v, a, ans_, axis=None, weights=None, keepdims=False",
        name="rt.average_wgrad",  # = weights_back(v * (a - ans_) / Z): affine in a, ans_
        v=f"np.sum({_GW} * {_D} / {_Z}, axis=axis, keepdims=keepdims)",
        a=f"{_GW} * {_SA} / {_Z}",
        ans_=f"-np.sum({_GW} * {_SA} / {_Z}, axis=axis, keepdims=keepdims)",
        weights=f"rt.weights_back(rt.sum_grad(np.sum({_GW} * -{_SA} * {_D} / {_Z} ** 2, "
                "axis=axis, keepdims=True), a, axis, True), weights, a, axis)",
        jvp={"v": "rt.average_wgrad(dv, a, ans_, axis, weights, keepdims)",
             "a": "rt.average_wgrad(v, da, np.zeros_like(ans_), axis, weights, keepdims)",
             "ans_": "rt.average_wgrad(v, np.zeros_like(a), dans_, axis, weights, "
                     "keepdims)",
             "weights": f"-rt.weights_back({_SA} * {_D} * np.sum({_DW}, axis=axis, "
                        f"keepdims=True) / {_Z} ** 2, weights, a, axis)"})
_GS = "rt.sum_grad(g, a, axis, keepdims)"
defrule(rt.average_wjvp, "t, a, ans_, axis=None, weights=None, keepdims=False",
        name="rt.average_wjvp",  # = sum(T * (a - ans_)) / sum(W), T = t shaped like a
        t=f"rt.weights_back({_GS} * {_D} / {_Z}, weights, a, axis)",
        a=f"{_GS} * rt.weights_like(t, a, axis) / {_Z}",
        ans_=f"-np.sum({_GS} * rt.weights_like(t, a, axis) / {_Z}, axis=axis, "
             "keepdims=keepdims)",
        weights=f"rt.weights_back(rt.sum_grad(rt.unbroadcast(-g * ans / {_ZK}, {_ZK}), "
                f"{_W}, axis, keepdims), weights, a, axis)",
        jvp={"t": "rt.average_wjvp(dt, a, ans_, axis, weights, keepdims)",
             "a": "rt.average_wjvp(t, da, np.zeros_like(ans_), axis, weights, keepdims)",
             "ans_": "rt.average_wjvp(t, np.zeros_like(a), dans_, axis, weights, "
                     "keepdims)",
             "weights": f"-ans * np.sum({_DW}, axis=axis, keepdims=keepdims) / {_ZK}"})

# ---- norms: the adjoint is v * sign(x) |x|**(p-1) / ans**(p-1) (spread), or flat -----
for _fn, _vec in ((rt.norm_grad, False), (rt.vector_norm_grad, True)):
    _h = f"rt.{_fn.__name__}"
    _K = f"(rt.norm_curved(x, ord, axis, {_vec}) * (rt.norm_power(x, ord, axis, {_vec}) - 1))"
    _P = f"rt.norm_power(x, ord, axis, {_vec})"
    _AN = "rt.sum_grad(ans_, x, axis, keepdims)"
    _DX = f"{_SV} * {_K} * np.abs(x) ** ({_P} - 2) / {_AN} ** ({_P} - 1)"
    _DA = f"-{_SV} * {_K} * np.sign(x) * np.abs(x) ** ({_P} - 1) / {_AN} ** {_P}"
    defrule(_fn, "v, x, ans_, ord=None, axis=None, keepdims=False", name=_h,
            v=f"rt.reduce_jvp({_h}(np.ones_like(v), x, ans_, ord, axis, keepdims), g, "
              "axis, keepdims)",
            x=f"{_DX} * g",
            ans_=f"rt.unbroadcast(np.sum({_DA} * g, axis=axis, keepdims=keepdims), ans_)",
            jvp={"v": f"{_h}(dv, x, ans_, ord, axis, keepdims)", "x": f"{_DX} * dx",
                 "ans_": f"{_DA} * rt.sum_grad(dans_, x, axis, keepdims)"})
nondiff(rt.norm_power, rt.norm_curved)

# ---- Cholesky: jvp(t, L) = L phi(X), X = L^-1 t L^-T; grad(v, L) = sym(S),
# S = L^-T phi(L^T v) L^-1 (phi: lower triangle, halved diagonal; self-adjoint) ------
def _solve(a, b):
    return f"np.linalg.solve({a}, {b})"


def _phi(m):
    return f"rt.phi({m})"


_LT = _T("L")


def _inner(m):
    """L^-1 m L^-T."""
    return _solve("L", _T(_solve("L", _T(m))))


def _S(m):
    """L^-T phi(m) L^-1."""
    return _solve(_LT, _T(_solve(_LT, _T(_phi(m)))))


_X = _inner("t")
_H = _phi(f"{_LT} @ g")
_ZL = _solve("L", "dL")
defrule(rt.phi, "v", name="rt.phi", v="rt.phi(g)", jvp={"v": "rt.phi(dv)"})
defrule(rt.cholesky_jvp, "t, L", name="rt.cholesky_jvp", t=_S(f"{_LT} @ g"),
        L=f"g @ {_T(_phi(_X))} - " + _solve(_LT, f"{_H} @ {_T(_X)} + {_T(_H)} @ {_X}"),
        jvp={"t": "rt.cholesky_jvp(dt, L)",
             "L": f"dL @ {_phi(_X)} - L @ " + _phi(f"{_ZL} @ {_X} + {_X} @ {_T(_ZL)}")})
_SV_ = _S(f"{_LT} @ v")
_Y = _solve(_LT, _T("dL"))
_GS_ = _sym("g")
defrule(rt.cholesky_grad, "v, L", name="rt.cholesky_grad",
        v=f"rt.cholesky_jvp({_GS_}, L)",
        L=f"v @ {_T(_phi(_inner(_GS_)))} - "
          + _T(_solve("L", f"{_GS_} @ ({_SV_} + {_T(_SV_)})")),
        jvp={"v": "rt.cholesky_grad(dv, L)",
             "L": _sym(f"(-({_Y} @ {_SV_}) - {_SV_} @ {_T(_Y)} + {_S(_T('dL') + ' @ v')})")})

# ---- scipy.special.logsumexp's adjoint: S(v) * w with w = b * exp(a - ans_) --------
defrule(rt.logsumexp_grad, "v, a, ans_, axis=None, b=None, keepdims=False",
        v="rt.reduce_jvp(rt.logsumexp_grad(np.ones_like(v), a, ans_, axis, b, keepdims), "
          "g, axis, keepdims)",
        a="g * ans", ans_="-np.sum(g * ans, axis=axis, keepdims=keepdims)",
        jvp={"v": "rt.logsumexp_grad(dv, a, ans_, axis, b, keepdims)", "a": "da * ans",
             "ans_": "-ans * rt.sum_grad(dans_, a, axis, keepdims)"},
        name="rt.logsumexp_grad")

# ---- sum(list)'s adjoint in its first argument: the elements' total ----------------
defrule(rt.sum_of, "v, like", v="rt.sum_list_grad(g, v)",
        jvp={"v": "rt.sum_of(dv, like)"}, name="rt.sum_of")


# ---- iterating dicts (runtime_dicts.py): each helper's transpose has a rule ----
defrule(rt.as_sequence, "x", x="rt.sequence_grad(g, x)", jvp={"x": "rt.sequence_jvp(dx)"},
        name="rt.as_sequence")
defrule(rt.sequence_jvp, "dx", dx="rt.sequence_grad(g, dx)",
        jvp={"dx": "rt.sequence_jvp(ddx)"}, name="rt.sequence_jvp")
defrule(rt.sequence_grad, "v, x", v="rt.sequence_grad(g, x)",
        jvp={"v": "rt.sequence_grad(dv, x)"}, name="rt.sequence_grad")
defrule(rt.dict_items, "d", d="rt.items_grad(g, d)", jvp={"d": "rt.items_jvp(dd, d)"},
        name="rt.dict_items")
defrule(rt.items_jvp, "dd, d", dd="rt.items_grad(g, d)", jvp={"dd": "rt.items_jvp(ddd, d)"},
        name="rt.items_jvp")
defrule(rt.values_jvp, "dd, d", dd="rt.values_grad(g, d)",
        jvp={"dd": "rt.values_jvp(ddd, d)"}, name="rt.values_jvp")
defrule(rt.items_grad, "v, d", v="rt.items_spread(g, d)",
        jvp={"v": "rt.items_grad(dv, d)"}, name="rt.items_grad")
defrule(rt.items_spread, "v, d", v="rt.items_grad(g, d)",
        jvp={"v": "rt.items_spread(dv, d)"}, name="rt.items_spread")
defrule(rt.dict_values, "d", d="rt.values_grad(g, d)", jvp={"d": "rt.values_jvp(dd, d)"},
        name="rt.dict_values")
defrule(rt.values_grad, "v, d", v="rt.values_spread(g, d)",
        jvp={"v": "rt.values_grad(dv, d)"}, name="rt.values_grad")
defrule(rt.values_spread, "v, d", v="rt.values_grad(g, d)",
        jvp={"v": "rt.values_spread(dv, d)"}, name="rt.values_spread")
defrule(rt.dict_get, "d, key, default=None", d="rt.get_grad(g, d, key)",
        default="rt.get_default(g, d, key, default)",
        jvp={"d": "rt.get_pick(dd, d, key)",
             "default": "rt.get_default(ddefault, d, key, default)"},
        name="rt.dict_get")
defrule(rt.get_grad, "v, d, key", v="rt.get_pick(g, d, key)",
        jvp={"v": "rt.get_grad(dv, d, key)"}, name="rt.get_grad")
defrule(rt.get_pick, "v, d, key", v="rt.get_grad(g, d, key)",
        jvp={"v": "rt.get_pick(dv, d, key)"}, name="rt.get_pick")
defrule(rt.get_default, "v, d, key, like=0.0", v="rt.get_default(g, d, key, v)",
        jvp={"v": "rt.get_default(dv, d, key, like)"}, name="rt.get_default")
nondiff(rt.dict_keys)
method("get", rt.dict_get)        # p.get("w", 1.0): the entry's adjoint, or default's
method("items", rt.dict_items)    # for k, v in d.items():  d's adjoint is a dict
method("values", rt.dict_values)
method("keys", rt.dict_keys)


# ---- np.linspace's adjoint and tangent: each is the other's transpose ---------------
_LIN = "num, endpoint, retstep, axis, end"
defrule(rt.linspace_grad, f"v, {_LIN}", v=f"rt.linspace_spread(g, g, {_LIN})",
        jvp={"v": f"rt.linspace_grad(dv, {_LIN})"}, name="rt.linspace_grad")
defrule(rt.linspace_spread, f"v, like, {_LIN}",
        v=f"rt.unbroadcast(rt.linspace_grad(g, {_LIN}), v)",
        jvp={"v": f"rt.linspace_spread(dv, like, {_LIN})"}, name="rt.linspace_spread")
# np.histogram's weights: the gather of a bin's gradient and its transpose, the counts
defrule(rt.histogram_grad, "v, a, edges, density=None", name="rt.histogram_grad",
        v="np.histogram(a, bins=edges, weights=g)[0]",
        jvp={"v": "rt.histogram_grad(dv, a, edges, density)"})
defrule(rt.histogram_jvp, "dw, a, ans_, density=None", name="rt.histogram_jvp",
        dw="rt.histogram_grad(g[0], a, ans_[1], density)",
        jvp={"dw": "rt.histogram_jvp(ddw, a, ans_, density)"})

# np.cumprod's adjoint and tangent: linear in their first argument; in x and ans_ the
# second derivatives are those of cumsum_grad(v * ans_) / x (away from zeros)
defrule(rt.cumprod_grad, "v, x, ans_, axis=None", name="rt.cumprod_grad",
        v="rt.cumprod_jvp(g, x, ans_, axis)",
        x="-g * rt.cumprod_grad(v, x, ans_, axis) / x",
        ans_="v * np.cumsum(g / x, axis)",
        jvp={"v": "rt.cumprod_grad(dv, x, ans_, axis)",
             "x": "-dx * rt.cumprod_grad(v, x, ans_, axis) / x",
             "ans_": "rt.cumsum_grad(v * dans_, x, axis) / x"})
defrule(rt.cumprod_jvp, "t, x, ans_, axis=None", name="rt.cumprod_jvp",
        t="rt.cumprod_grad(g, x, ans_, axis)",
        x="-t / x ** 2 * rt.cumsum_grad(g * ans_, x, axis)",
        ans_="g * np.cumsum(t / x, axis)",
        jvp={"t": "rt.cumprod_jvp(dt, x, ans_, axis)",
             "x": "ans_ * np.cumsum(-t * dx / x ** 2, axis)",
             "ans_": "dans_ * np.cumsum(t / x, axis)"})
