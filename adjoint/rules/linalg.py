"""Rules for NumPy's products, diagonals and `numpy.linalg`."""
import numpy as np

from .registry import defrule, method

_T = "np.swapaxes({}, -1, -2)"  # matrix transpose, batched


def _fns(*fns):
    """The functions this NumPy has (numpy.linalg.matmul etc. are NumPy >= 2)."""
    return [f for f in fns if f is not None]


_LA = np.linalg

# ---- products ----------------------------------------------------------------
defrule(np.dot, "a, b", a="rt.dot_ga(g, a, b)", b="rt.dot_gb(g, a, b)",
        jvp={"a": "np.dot(da, b)", "b": "np.dot(a, db)"})
for _fn in _fns(np.matmul, getattr(_LA, "matmul", None)):
    defrule(_fn, "a, b", a="rt.matmul_ga(g, a, b)", b="rt.matmul_gb(g, a, b)",
            jvp={"a": "np.matmul(da, b)", "b": "np.matmul(a, db)"})
defrule(np.vdot, "a, b", a="np.reshape(g * b, np.shape(a))",
        b="np.reshape(g * a, np.shape(b))",
        jvp={"a": "np.vdot(da, b)", "b": "np.vdot(a, db)"})
defrule(np.inner, "a, b", a="rt.inner_ga(g, a, b)", b="rt.inner_gb(g, a, b)",
        jvp={"a": "np.inner(da, b)", "b": "np.inner(a, db)"})
for _fn in _fns(np.outer, getattr(_LA, "outer", None)):
    defrule(_fn, "a, b", a="np.reshape(np.dot(g, np.ravel(b)), np.shape(a))",
            b="np.reshape(np.dot(np.ravel(a), g), np.shape(b))",
            jvp={"a": "np.outer(da, b)", "b": "np.outer(a, db)"})
for _fn in _fns(np.tensordot, getattr(_LA, "tensordot", None)):
    defrule(_fn, "a, b, axes=2", a="rt.tensordot_ga(g, a, b, axes)",
            b="rt.tensordot_gb(g, a, b, axes)",
            jvp={"a": "np.tensordot(da, b, axes)", "b": "np.tensordot(a, db, axes)"})
for _fn in _fns(getattr(np, "vecdot", None), getattr(_LA, "vecdot", None)):
    defrule(_fn, "a, b, axis=-1", broadcast=True,
            a="np.expand_dims(rt.shaped(g, ans), axis) * b",  # (g may be a number)
            b="np.expand_dims(rt.shaped(g, ans), axis) * a",
            jvp={"a": "np.vecdot(da, b, axis=axis)", "b": "np.vecdot(a, db, axis=axis)"})
defrule(np.einsum, "subscripts, a, b=None, c=None, d=None",
        a="rt.einsum_ga(g, subscripts, a, b, c, d)",
        b="rt.einsum_gb(g, subscripts, a, b, c, d)",
        c="rt.einsum_gc(g, subscripts, a, b, c, d)",
        d="rt.einsum_gd(g, subscripts, a, b, c, d)",
        jvp={"a": "rt.einsum_ops(subscripts, da, b, c, d)",
             "b": "rt.einsum_ops(subscripts, a, db, c, d)",
             "c": "rt.einsum_ops(subscripts, a, b, dc, d)",
             "d": "rt.einsum_ops(subscripts, a, b, c, dd)"})
defrule(np.kron, "a, b", a="rt.kron_ga(g, a, b)", b="rt.kron_gb(g, a, b)",
        jvp={"a": "np.kron(da, b)", "b": "np.kron(a, db)"})
defrule(np.cross, "a, b", broadcast=True, a="np.cross(b, g)", b="np.cross(g, a)",
        jvp={"a": "np.cross(da, b)", "b": "np.cross(a, db)"})

# ---- diagonals and triangles -------------------------------------------------
defrule(np.diag, "v, k=0", v="rt.diag_grad(g, v, k)", jvp={"v": "np.diag(dv, k)"})
for _fn in _fns(np.diagonal, getattr(_LA, "diagonal", None)):
    _sig = "a, offset=0, axis1=0, axis2=1" if _fn is np.diagonal \
        else "a, offset=0, axis1=-2, axis2=-1"
    defrule(_fn, _sig, a="rt.diagonal_grad(g, a, offset, axis1, axis2)",
            jvp={"a": "np.diagonal(da, offset, axis1, axis2)"})
defrule(np.trace, "a, offset=0, axis1=0, axis2=1, dtype=None, out=None",
        a="rt.trace_grad(g, a, offset, axis1, axis2)",
        jvp={"a": "np.trace(da, offset, axis1, axis2)"})
for _fn in _fns(getattr(_LA, "trace", None)):
    defrule(_fn, "a, offset=0, dtype=None", a="rt.trace_grad(g, a, offset, -2, -1)",
            jvp={"a": "np.trace(da, offset, -2, -1)"})
defrule(np.tril, "m, k=0", m="np.tril(g, k)", jvp={"m": "np.tril(dm, k)"})
defrule(np.triu, "m, k=0", m="np.triu(g, k)", jvp={"m": "np.triu(dm, k)"})

# ---- numpy.linalg ------------------------------------------------------------
defrule(np.linalg.inv, "a", a=f"-({_T.format('ans')} @ g @ {_T.format('ans')})",
        jvp={"a": "-(ans @ da @ ans)"})
defrule(np.linalg.det, "a",
        a=f"np.expand_dims(g * ans, (-2, -1)) * {_T.format('np.linalg.inv(a)')}",
        jvp={"a": "ans * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)"})
defrule(np.linalg.slogdet, "a",   # only the log-determinant (ans[1]) carries a gradient
        a=f"np.expand_dims(rt.shaped(g[1], ans[1]), (-2, -1)) * "
          f"{_T.format('np.linalg.inv(a)')}",
        jvp={"a": "(np.zeros_like(ans[0]), np.trace(np.linalg.solve(a, da), axis1=-2, "
                  "axis2=-1))"})
defrule(np.linalg.solve, "a, b",  # b a vector, or a stack of matrices like a
        a=f"-rt.matmul_ga(np.linalg.solve({_T.format('a')}, g), a, ans)",
        b=f"np.linalg.solve({_T.format('a')}, g)",
        jvp={"a": "-np.linalg.solve(a, da @ ans)", "b": "np.linalg.solve(a, db)"})
defrule(np.linalg.cholesky, "a", a="rt.cholesky_grad(g, ans)",  # a symmetric
        jvp={"a": "rt.cholesky_jvp(da, ans)"})
defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
        x="rt.norm_grad(g, x, ans, ord, axis, keepdims)",
        jvp={"x": "rt.reduce_jvp(rt.norm_grad(np.ones_like(ans), x, ans, ord, axis, "
                  "keepdims), dx, axis, keepdims)"})
if hasattr(_LA, "vector_norm"):  # NumPy >= 2
    defrule(np.linalg.vector_norm, "x, axis=None, keepdims=False, ord=2",
            x="rt.vector_norm_grad(g, x, ans, ord, axis, keepdims)",
            jvp={"x": "rt.reduce_jvp(rt.vector_norm_grad(np.ones_like(ans), x, ans, ord, axis, "
                      "keepdims), dx, axis, keepdims)"})
    defrule(np.linalg.matrix_norm, "x, keepdims=False, ord='fro'",
            x="rt.norm_grad(g, x, ans, ord, (-2, -1), keepdims)",
            jvp={"x": "rt.reduce_jvp(rt.norm_grad(np.ones_like(ans), x, ans, ord, (-2, -1), "
                      "keepdims), dx, (-2, -1), keepdims)"})
    defrule(np.matrix_transpose, "x", x=_T.format("g"), jvp={"x": _T.format("dx")})

# ---- array methods -----------------------------------------------------------
for _name, _fn in (("dot", np.dot), ("trace", np.trace), ("diagonal", np.diagonal)):
    method(_name, _fn)
