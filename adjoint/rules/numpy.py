"""Rules for NumPy functions and array methods, one line per function.

Elementwise rules give the derivative; broadcasting is undone by the compiler
(`rt.unbroadcast`) for every rule declared with `binary` or `broadcast=True`.
"""
import numpy as np

from .registry import binary, defrule, method, nondiff, unary

# ---- elementwise unary -------------------------------------------------------
unary(np.sin, "np.cos(x)")
unary(np.cos, "-np.sin(x)")
unary(np.tan, "1.0 + ans * ans")
unary(np.exp, "ans")
unary(np.log, "1.0 / x")
unary(np.sqrt, "0.5 / ans")
unary(np.tanh, "1.0 - ans * ans")
unary(np.negative, "-1.0")
unary(np.abs, "np.sign(x)")
unary(np.square, "2.0 * x")

# ---- elementwise binary ------------------------------------------------------
binary(np.add, "1", "1", signature="a, b")
binary(np.subtract, "1", "-1")
binary(np.multiply, "b", "a")
binary(np.divide, "1.0 / b", "-ans / b")
binary(np.power, "b * a ** (b - 1)", "rt.log_or_zero(a) * ans")
binary(np.maximum, "a >= b", "a < b")
binary(np.minimum, "a <= b", "a > b")

# ---- reductions --------------------------------------------------------------
defrule(np.sum, "x, axis=None, dtype=None, out=None, keepdims=False",
        x="rt.sum_grad(g, x, axis, keepdims)",
        jvp={"x": "np.sum(dx, axis=axis, keepdims=keepdims)"})
defrule(np.mean, "x, axis=None, dtype=None, out=None, keepdims=False",
        x="rt.mean_grad(g, x, axis, keepdims)",
        jvp={"x": "np.mean(dx, axis=axis, keepdims=keepdims)"})
for _fn in (np.max, np.min, np.amax, np.amin):
    defrule(_fn, "x, axis=None, out=None, keepdims=False",
            x="rt.max_grad(g, x, ans, axis, keepdims)",
            jvp={"x": "rt.max_jvp(dx, x, ans, axis, keepdims)"})

# ---- linear algebra ----------------------------------------------------------
defrule(np.dot, "a, b", a="rt.dot_ga(g, a, b)", b="rt.dot_gb(g, a, b)",
        jvp={"a": "np.dot(da, b)", "b": "np.dot(a, db)"})
defrule(np.matmul, "a, b", a="rt.matmul_ga(g, a, b)", b="rt.matmul_gb(g, a, b)",
        jvp={"a": "np.matmul(da, b)", "b": "np.matmul(a, db)"})

# ---- shape -------------------------------------------------------------------
defrule(np.reshape, "x, shape", x="rt.reshape_like(g, x)",
        jvp={"x": "np.reshape(dx, shape)"})
defrule(np.transpose, "x, axes=None", x="rt.transpose_grad(g, axes)",
        jvp={"x": "np.transpose(dx, axes)"})

defrule(np.ndarray.reshape, "x, *shape", x="rt.reshape_like(g, x)",
        jvp={"x": "np.reshape(dx, np.shape(ans))"}, name="numpy.ndarray.reshape")

# ---- array methods use the rules above ---------------------------------------
method("reshape", np.ndarray.reshape)
method("sum", np.sum)
method("mean", np.mean)
method("max", np.max)
method("min", np.min)
method("dot", np.dot)
method("transpose", np.transpose)

# ---- no gradient -------------------------------------------------------------
nondiff(np.shape, np.ndim, np.size, np.zeros, np.ones, np.zeros_like, np.ones_like,
        np.arange, np.linspace, np.argmax, np.argmin, np.sign, np.floor, np.ceil,
        np.round, np.isfinite, np.isnan, np.eye, np.empty, np.full)
