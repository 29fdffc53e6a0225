"""Rules for NumPy: elementwise functions, selection and reductions; one line each.

Elementwise rules give the derivative; broadcasting is undone by the compiler
(`rt.unbroadcast`) for every rule declared with `binary` or `broadcast=True`.
Linear algebra is in `linalg.py`, shape functions in `shape.py`.
Constants in templates are Python floats (`math.log(2.0)`, never `np.log(2.0)`), so
float32 inputs keep float32 gradients.
"""
import numpy as np

from .registry import binary, defrule, method, nondiff, unary

# ---- elementwise unary: trigonometric and hyperbolic -------------------------
unary(np.sin, "np.cos(x)")
unary(np.cos, "-np.sin(x)")
unary(np.tan, "1.0 + ans * ans")
unary(np.arcsin, "1.0 / np.sqrt(1.0 - x * x)")
unary(np.arccos, "-1.0 / np.sqrt(1.0 - x * x)")
unary(np.arctan, "1.0 / (1.0 + x * x)")
unary(np.sinh, "np.cosh(x)")
unary(np.cosh, "np.sinh(x)")
unary(np.tanh, "1.0 - ans * ans")
unary(np.arcsinh, "1.0 / np.sqrt(x * x + 1.0)")
unary(np.arccosh, "1.0 / np.sqrt(x * x - 1.0)")
unary(np.arctanh, "1.0 / (1.0 - x * x)")
unary(np.sinc, "np.where(x == 0, 0.0, (np.cos(math.pi * x) - ans) / np.where(x == 0, 1.0, x))")
unary(np.deg2rad, "math.pi / 180.0")
unary(np.radians, "math.pi / 180.0")
unary(np.rad2deg, "180.0 / math.pi")
unary(np.degrees, "180.0 / math.pi")

# ---- elementwise unary: exponentials, logarithms, powers ---------------------
unary(np.exp, "ans")
unary(np.exp2, "ans * math.log(2.0)")
unary(np.expm1, "ans + 1.0")
unary(np.log, "1.0 / x")
unary(np.log2, "1.0 / (x * math.log(2.0))")
unary(np.log10, "1.0 / (x * math.log(10.0))")
unary(np.log1p, "1.0 / (1.0 + x)")
unary(np.sqrt, "0.5 / ans")
unary(np.cbrt, "1.0 / (3.0 * ans * ans)")
unary(np.square, "2.0 * x")
unary(np.reciprocal, "-ans * ans")

# ---- elementwise unary: signs and identities ---------------------------------
unary(np.absolute, "np.sign(x)")          # np.abs is np.absolute
unary(np.fabs, "np.sign(x)")
unary(np.negative, "-1.0")
unary(np.positive, "1.0")
for _fn in (np.asarray, np.asanyarray, np.ascontiguousarray, np.array, np.copy):
    defrule(_fn, "x, dtype=None", x="rt.cast_grad(g, x, dtype)",
            jvp={"x": "rt.cast_jvp(dx, dtype)"})
defrule(np.float64, "x", x="rt.cast_grad(g, x)", jvp={"x": "np.float64(dx)"},
        name="numpy.float64")  # a conversion, like float(x)

# ---- elementwise binary ------------------------------------------------------
binary(np.add, "1", "1")
binary(np.subtract, "1", "-1")
binary(np.multiply, "b", "a")
binary(np.divide, "1.0 / b", "-ans / b")  # np.true_divide is np.divide
binary(np.power, "b * a ** (b - 1 + (b == 0))", "rt.log_or_zero(a) * ans")
binary(np.float_power, "b * np.float_power(a, b - 1 + (b == 0))", "rt.log_or_zero(a) * ans")
# (np.greater_equal, not >=: a list argument compares element by element too)
binary(np.maximum, "np.greater_equal(a, b)", "np.less(a, b)")
binary(np.minimum, "np.less_equal(a, b)", "np.greater(a, b)")
# fmax/fmin ignore a nan: the other operand is the result, and takes the gradient
binary(np.fmax, "np.greater_equal(a, b) | np.isnan(b)",
       "np.less(a, b) | np.isnan(a) & ~np.isnan(b)")
binary(np.fmin, "np.less_equal(a, b) | np.isnan(b)",
       "np.greater(a, b) | np.isnan(a) & ~np.isnan(b)")
binary(np.arctan2, "b / (a * a + b * b)", "-a / (a * a + b * b)")
binary(np.hypot, "a / ans", "b / ans")
binary(np.logaddexp, "np.exp(a - ans)", "np.exp(b - ans)")
binary(np.logaddexp2, "np.exp2(a - ans)", "np.exp2(b - ans)")
binary(np.copysign, "np.sign(a) * np.sign(ans)", None)
binary(np.fmod, "1", "-np.trunc(a / b)")
binary(np.remainder, "1", "-np.floor(a / b)")  # np.mod is np.remainder
binary(np.ldexp, "np.ldexp(np.ones_like(a), b)", None)

# ---- selection ---------------------------------------------------------------
defrule(np.where, "condition, x, y", broadcast=True,
        x="np.where(condition, g, 0.0)", y="np.where(condition, 0.0, g)",
        jvp={"x": "np.where(condition, dx, 0.0)", "y": "np.where(condition, 0.0, dy)"})
defrule(np.clip, "a, a_min=None, a_max=None", broadcast=True,
        a="g * (ans == a)", a_min="g * (a < a_min)", a_max="g * (a > a_max)",
        jvp={"a": "da * (ans == a)", "a_min": "da_min * (a < a_min)",
             "a_max": "da_max * (a > a_max)"})
defrule(np.take, "a, indices, axis=None", a="rt.take_grad(g, a, indices, axis)",
        jvp={"a": "np.take(da, indices, axis)"})
defrule(np.take_along_axis, "arr, indices, axis",
        arr="rt.take_along_axis_grad(g, arr, indices, axis)",
        jvp={"arr": "np.take_along_axis(darr, indices, axis)"})
defrule(np.select, "condlist, choicelist, default=0",
        choicelist="rt.select_grad(g, condlist, choicelist)",
        default="rt.select_default_grad(g, condlist, default)",
        jvp={"choicelist": "np.select(condlist, dchoicelist)",
             "default": "np.select(condlist, [0.0] * len(condlist), ddefault)"})

# ---- reductions --------------------------------------------------------------
_RED = "x, axis=None, dtype=None, out=None, keepdims=False"
defrule(np.sum, _RED, x="rt.sum_grad(g, x, axis, keepdims)",
        jvp={"x": "np.sum(dx, axis=axis, keepdims=keepdims)"})
defrule(np.mean, _RED, x="rt.mean_grad(g, x, axis, keepdims)",
        jvp={"x": "np.mean(dx, axis=axis, keepdims=keepdims)"})
defrule(np.nansum, _RED, x="np.where(np.isnan(x), 0.0, rt.sum_grad(g, x, axis, keepdims))",
        jvp={"x": "np.nansum(np.where(np.isnan(x), 0.0, dx), axis=axis, keepdims=keepdims)"})
defrule(np.prod, _RED, x="rt.prod_grad(g, x, axis, keepdims)",
        jvp={"x": "rt.reduce_jvp(rt.prod_grad(np.ones_like(ans), x, axis, keepdims), dx, axis, keepdims)"})
for _fn in (np.max, np.min, np.amax, np.amin, np.nanmax, np.nanmin):
    defrule(_fn, "x, axis=None, out=None, keepdims=False",
            x="rt.max_grad(g, x, ans, axis, keepdims)",
            jvp={"x": "rt.max_jvp(dx, x, ans, axis, keepdims)"})
defrule(np.ptp, "x, axis=None, out=None, keepdims=False",
        x="rt.max_grad(g, x, np.max(x, axis, keepdims=keepdims), axis, keepdims)"
          " - rt.max_grad(g, x, np.min(x, axis, keepdims=keepdims), axis, keepdims)",
        jvp={"x": "rt.max_jvp(dx, x, np.max(x, axis, keepdims=keepdims), axis, keepdims)"
                  " - rt.max_jvp(dx, x, np.min(x, axis, keepdims=keepdims), axis, keepdims)"})
_VAR = "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
defrule(np.var, _VAR, x="rt.var_grad(g, x, axis, ddof, keepdims)",
        jvp={"x": "rt.reduce_jvp(rt.var_grad(np.ones_like(ans), x, axis, ddof, keepdims), dx, axis, "
                  "keepdims)"})
defrule(np.std, _VAR, x="rt.var_grad(0.5 * g / ans, x, axis, ddof, keepdims)",
        jvp={"x": "rt.reduce_jvp(rt.var_grad(0.5 / ans, x, axis, ddof, keepdims), dx, "
                  "axis, keepdims)"})
defrule(np.cumsum, "x, axis=None, dtype=None, out=None", x="rt.cumsum_grad(g, x, axis)",
        jvp={"x": "np.cumsum(dx, axis)"})
defrule(np.cumprod, "x, axis=None, dtype=None, out=None",
        x="rt.cumprod_grad(g, x, ans, axis)", jvp={"x": "rt.cumprod_jvp(dx, x, ans, axis)"})
defrule(np.average, "a, axis=None, weights=None, returned=False, keepdims=False",
        refuses=("returned",),  # (average, sum of weights): no rule for the pair
        a="rt.average_grad(g, a, axis, weights, keepdims)",
        weights="rt.average_wgrad(g, a, ans, axis, weights, keepdims)",
        jvp={"a": "np.average(da, axis, weights, keepdims=keepdims)",
             "weights": "rt.average_wjvp(dweights, a, ans, axis, weights, keepdims)"})

# ---- array methods use the rules above ---------------------------------------
for _name, _fn in (("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("max", np.max),
                   ("min", np.min), ("var", np.var), ("std", np.std),
                   ("cumsum", np.cumsum), ("cumprod", np.cumprod), ("clip", np.clip),
                   ("take", np.take), ("copy", np.copy),
                   ("argmax", np.argmax), ("argmin", np.argmin), ("argsort", np.argsort),
                   ("nonzero", np.nonzero), ("any", np.any), ("all", np.all),
                   ("round", np.round)):
    method(_name, _fn)

# ---- creation functions whose values depend on a float argument -------------
defrule(np.full, "shape, fill_value, dtype=None, order='C'",
        fill_value="rt.unbroadcast(g, fill_value)",
        jvp={"fill_value": "rt.broadcast_like(dfill_value, ans)"})
defrule(np.full_like, "a, fill_value, dtype=None, order='K', subok=True, shape=None",
        fill_value="rt.unbroadcast(g, fill_value)",
        jvp={"fill_value": "rt.broadcast_like(dfill_value, ans)"})
# linspace is linear in (start, stop): start * (1 - t) + stop * t (rt.linspace_grad).
_LIN = "num, endpoint, retstep, axis"
defrule(np.linspace, "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0",
        start=f"rt.unbroadcast(rt.linspace_grad(g, {_LIN}, False), start)",
        stop=f"rt.unbroadcast(rt.linspace_grad(g, {_LIN}, True), stop)",
        jvp={"start": f"rt.linspace_spread(dstart, stop, {_LIN}, False)",
             "stop": f"rt.linspace_spread(dstop, start, {_LIN}, True)"})
# logspace is base ** linspace(start, stop)
_LOG = "num, endpoint, False, axis"
defrule(np.logspace, "start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0",
        start=f"rt.unbroadcast(rt.linspace_grad(g * ans * np.log(base), {_LOG}, False), "
              "start)",
        stop=f"rt.unbroadcast(rt.linspace_grad(g * ans * np.log(base), {_LOG}, True), stop)",
        jvp={"start": f"ans * np.log(base) * rt.linspace_spread(dstart, stop, {_LOG}, False)",
             "stop": f"ans * np.log(base) * rt.linspace_spread(dstop, start, {_LOG}, True)"})
# arange: start + i*step; `np.arange(n)` binds n to start, and then nothing varies.
defrule(np.arange, "start, stop=None, step=None, dtype=None",
        start="np.sum(g) * (stop is not None)", step="np.sum(g * np.arange(len(ans)))",
        jvp={"start": "np.full(np.shape(ans), dstart * (stop is not None), dtype=float)",
             "step": "dstep * np.arange(len(ans))"})
defrule(np.bincount, "x, weights=None, minlength=0", weights="g[x]",
        jvp={"weights": "np.bincount(x, weights=dweights, minlength=minlength)"})
# (counts, edges): the counts are linear in the weights; a, bins and range only move
# values between bins (a derivative of zero almost everywhere)
defrule(np.histogram, "a, bins=10, range=None, density=None, weights=None",
        weights="rt.histogram_grad(g[0], a, ans[1], density)",
        jvp={"weights": "rt.histogram_jvp(dweights, a, ans, density)"})

# ---- no gradient: integer-valued, boolean or shape-only results --------------
nondiff(np.shape, np.ndim, np.size, np.zeros, np.ones, np.empty, np.eye,
        np.identity, np.zeros_like, np.ones_like, np.empty_like, np.argmax, np.argmin, np.argsort, np.argwhere,
        np.nonzero, np.flatnonzero, np.searchsorted, np.digitize, np.count_nonzero,
        np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
        np.floor_divide, np.heaviside, np.signbit, np.isfinite, np.isnan, np.isinf,
        np.isclose, np.allclose, np.array_equal, np.equal, np.not_equal, np.less,
        np.less_equal, np.greater, np.greater_equal, np.logical_and, np.logical_or,
        np.logical_not, np.logical_xor, np.any, np.all,
        np.result_type, np.broadcast_shapes, np.indices, np.tri,
        np.random.default_rng)
