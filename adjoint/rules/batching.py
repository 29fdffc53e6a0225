"""Batching rules (vmap): how each primitive applies to a whole batch at once.

One line per primitive where the default does not apply; the default is that an
elementwise rule (`unary`, `binary`) stays the same call, its operands aligned. The
policies named here are in adjoint/batching/policies/; their options:

    template="np.sin(x)"   write the call this way (operands by parameter name)
    rank="x-1"             the result's rank from the operands' ("x", "x+1", 2, ...)
    axes=("axis",)         parameters that count dimensions of one example
    shape=("like",)        operands read only for their shape
    none="flat"            axis=None flattens one example (cumsum, argmax, sort)

The tests (tests/test_vmap_rules.py) run every entry's cases of tests/rule_cases.py
through vmap and compare with a Python loop over the batch.
"""
import builtins
import math
import operator

import numpy as np

from .. import runtime as rt
from .registry import batch

_LA = np.linalg

# ---- operators that carry no gradient: elementwise all the same ----------------------
for _fn in (operator.floordiv, operator.and_, operator.or_, operator.xor, operator.invert,
            operator.lshift, operator.rshift, operator.eq, operator.ne, operator.lt,
            operator.le, operator.gt, operator.ge):
    batch(_fn, "elementwise")
batch(operator.not_, "elementwise", template="np.logical_not(x)", dtype="b",
      signature="x")
batch(operator.is_, "identity", signature="a, b")
batch(operator.is_not, "identity", signature="a, b")
batch(operator.neg, "elementwise")
batch(operator.pos, "elementwise")
batch(operator.matmul, "matmul")
batch(operator.getitem, "getitem")

# ---- elementwise NumPy functions without a gradient -----------------------------------
for _fn in (np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
            np.floor_divide, np.heaviside, np.signbit, np.isfinite, np.isnan, np.isinf,
            np.isclose, np.equal, np.not_equal, np.less, np.less_equal, np.greater,
            np.greater_equal, np.logical_and, np.logical_or, np.logical_not,
            np.logical_xor):
    batch(_fn, "elementwise")
for _fn in (np.zeros_like, np.ones_like, np.empty_like):
    batch(_fn, "same", signature="a, dtype=None")
for _fn in (np.asarray, np.asanyarray, np.ascontiguousarray, np.array):
    batch(_fn, "asarray")
batch(np.copy, "same")
batch(np.float64, "same", signature="x")
batch(np.where, "elementwise")
batch(np.clip, "elementwise")

# ---- the math module: NumPy's functions for a batch of numbers ------------------------
for _name, _np in (("sin", "sin"), ("cos", "cos"), ("tan", "tan"), ("asin", "arcsin"),
                   ("acos", "arccos"), ("atan", "arctan"), ("sinh", "sinh"),
                   ("cosh", "cosh"), ("tanh", "tanh"), ("asinh", "arcsinh"),
                   ("acosh", "arccosh"), ("atanh", "arctanh"), ("degrees", "degrees"),
                   ("radians", "radians"), ("exp", "exp"), ("expm1", "expm1"),
                   ("log2", "log2"), ("log10", "log10"), ("log1p", "log1p"),
                   ("sqrt", "sqrt"), ("fabs", "fabs"), ("exp2", "exp2"), ("cbrt", "cbrt"),
                   ("isfinite", "isfinite"), ("isnan", "isnan"), ("isinf", "isinf")):
    if hasattr(math, _name):
        batch(getattr(math, _name), "elementwise", template=f"np.{_np}(x)",
              signature="x")
for _name, _np in (("pow", "power"), ("atan2", "arctan2"), ("hypot", "hypot"),
                   ("copysign", "copysign"), ("fmod", "fmod")):
    batch(getattr(math, _name), "elementwise", template=f"np.{_np}(a, b)")
batch(math.log, "elementwise", template="np.log(x) / np.log(base)")
for _name in ("erf", "erfc"):
    batch(getattr(math, _name), "elementwise", template=f"batched.{_name}(x)",
          signature="x")
for _name in ("floor", "ceil", "trunc"):
    batch(getattr(math, _name), "elementwise", dtype="i", signature="x",
          template=f"np.{_name}(x).astype(int)")
batch(math.isclose, "elementwise", template="np.isclose(a, b)", signature="a, b")

# ---- builtins ------------------------------------------------------------------------
batch(builtins.abs, "elementwise", template="np.abs(x)")
batch(builtins.pow, "elementwise", template="np.power(a, b)")
batch(builtins.max, "elementwise", template="np.maximum(a, b)")
batch(builtins.min, "elementwise", template="np.minimum(a, b)")
batch(builtins.float, "elementwise", template="np.asarray(x, dtype=float)", dtype="f")
batch(builtins.int, "elementwise", template="np.trunc(x).astype(int)", dtype="i",
      signature="x")
batch(builtins.bool, "elementwise", template="np.asarray(x, dtype=bool)", dtype="b",
      signature="x")
batch(builtins.round, "elementwise", template="np.round(x)", signature="x")
batch(builtins.divmod, "elementwise", template="np.divmod(a, b)")
batch(builtins.len, "len", signature="x")
batch(builtins.type, "typeof", signature="x")  # (an array: the arrays code path)
batch(builtins.isinstance, "identity", signature="x, t")
batch(builtins.sum, "pysum")

# ---- reductions ------------------------------------------------------------------------
for _fn in (np.sum, np.mean, np.nansum, np.prod, np.max, np.min, np.amax, np.amin,
            np.nanmax, np.nanmin, np.ptp, np.var, np.std, np.any, np.all):
    batch(_fn, "reduce")
for _fn in (np.any, np.all):
    batch(_fn, "reduce", signature="x, axis=None, out=None, keepdims=False", dtype="b")
batch(np.count_nonzero, "reduce", signature="x, axis=None, keepdims=False", dtype="i")
for _fn in (np.argmax, np.argmin):
    batch(_fn, "reduce", none="flat", dtype="i",
          signature="x, axis=None, out=None, keepdims=False")
for _fn in (np.cumsum, np.cumprod):
    batch(_fn, "reduce", none="flat", keeps=True)
batch(np.sort, "reduce", none="flat", keeps=True, data="a")
batch(np.argsort, "reduce", none="flat", keeps=True, dtype="i",
      signature="a, axis=-1, kind=None, order=None")
batch(np.diff, "reduce", keeps=True, rank="a", data="a")
batch(np.linalg.norm, "reduce", none="norm")
batch(np.trace, "axes", axes=("axis1", "axis2"), rank="a-2")
batch(np.diagonal, "axes", axes=("axis1", "axis2"), rank="a-1")

# ---- products ---------------------------------------------------------------------------
batch(np.matmul, "matmul")
if hasattr(_LA, "matmul"):
    batch(_LA.matmul, "matmul")
batch(np.dot, "dot")
batch(np.inner, "inner")
batch(np.einsum, "einsum")
batch(np.tensordot, "tensordot")
batch(np.cross, "cross")
if hasattr(np, "vecdot"):
    batch(np.vecdot, "vecdot")
batch(np.outer, "helper", rank=2)
batch(np.vdot, "helper", rank=0)

# ---- linear algebra on stacks of matrices -----------------------------------------------
batch(_LA.inv, "native")
batch(_LA.det, "native", rank="a-2")
batch(_LA.slogdet, "native", rank="a-2", results=2)
batch(_LA.cholesky, "native")
batch(_LA.solve, "solve")
batch(np.tril, "native")
batch(np.triu, "native")
if hasattr(np, "matrix_transpose"):
    batch(np.matrix_transpose, "native")
batch(_LA.eigh, "native", ranks=("a-1", "a"))
batch(_LA.eigvalsh, "native", rank="a-1")
batch(_LA.svd, "native", ranks=("a", "a-1", "a"), single=("compute_uv", "a-1"))
batch(_LA.qr, "native", ranks=("a", "a"))
batch(_LA.pinv, "native", rank="a")
batch(_LA.matrix_power, "native", rank="a")
for _name, _rank in (("svdvals", "x-1"), ("diagonal", "a-1"), ("trace", "a-2")):
    if hasattr(_LA, _name):
        batch(getattr(_LA, _name), "native", rank=_rank)
if hasattr(_LA, "matrix_norm"):
    batch(_LA.matrix_norm, "native", rank="x-2")
    batch(_LA.vector_norm, "reduce")
    batch(_LA.outer, "helper", rank=2, name="outer")
    batch(_LA.tensordot, "tensordot")
    batch(_LA.vecdot, "vecdot")

# ---- shapes -----------------------------------------------------------------------------
batch(np.reshape, "reshape")
batch(np.ndarray.reshape, "reshape")
batch(np.ravel, "reshape", flat=True)
batch(np.ndarray.flatten, "reshape", flat=True)
batch(np.transpose, "transpose")
batch(np.ndarray.transpose, "transpose")
batch(np.swapaxes, "axes", axes=("axis1", "axis2"), rank="x")
batch(np.moveaxis, "axes", axes=("source", "destination"), rank="x")
batch(np.expand_dims, "axes", rank="x+#axis")
batch(np.squeeze, "helper", rank="?")
batch(np.flip, "axes", rank="m")
batch(np.fliplr, "rewrite", template="np.flip(m, 2)", rank="m")
batch(np.flipud, "rewrite", template="np.flip(m, 1)", rank="m")
batch(np.rot90, "axes", axes=("axes",), rank="m")
batch(np.roll, "roll")
batch(np.repeat, "reduce", none="flat", keeps=True, data="a")
batch(np.broadcast_to, "helper", rank="shape")
for _k, _fn in enumerate((np.atleast_1d, np.atleast_2d, np.atleast_3d), 1):
    batch(_fn, "helper", rank=f"atleast{_k}")
batch(np.tile, "helper", rank="reps")
batch(np.pad, "helper", rank="array")
batch(np.diag, "helper", rank="diag")
batch(np.kron, "helper", rank="kron")
batch(np.select, "helper", rank="select")
batch(np.average, "helper", rank="average")
batch(np.ndarray.astype, "same", like="x")
batch(np.ndarray.item, "rewrite", template="np.reshape(x, (B,))", rank=0)
batch(np.stack, "join", name="stack")
batch(np.concatenate, "join", name="concatenate")
batch(np.vstack, "join", name="vstack")
batch(np.hstack, "join", name="hstack")
batch(np.split, "split")
batch(np.array_split, "split")
batch(np.take_along_axis, "axes", rank="arr", lift=("arr", "indices"), none="flat")
batch(np.take, "axes", rank="a-1+indices", none="flat", rank_none="indices", lift=())

batch(np.shape, "shape_of", what="shape", signature="x")
batch(np.ndim, "shape_of", what="ndim", signature="x")
batch(np.size, "shape_of", what="size", signature="x")

# ---- creation -----------------------------------------------------------------------------
for _fn in (np.zeros, np.ones, np.empty):
    batch(_fn, "create", signature="shape, dtype=None, order='C'")
batch(np.full, "full")
batch(np.full_like, "full_like")
batch(np.eye, "create", rank=2, signature="N, M=None, k=0, dtype=None")
batch(np.identity, "create", rank=2, signature="n, dtype=None")
batch(np.linspace, "linspace")
batch(np.logspace, "linspace")

# ---- adjoint's runtime helpers (generated gradients call them) -----------------------------
batch(rt.seed, "seed")
batch(rt.shapes, "shapes")
for _fn in (rt.shape_only, rt.zeros_like, rt.copy):
    batch(_fn, "same")
batch(rt.cast_jvp, "asarray")
batch(rt.as_array, "asarray")
for _fn in (rt.numbers, rt.vectors):
    batch(_fn, "arrays_test", signature="*values")
batch(rt.sign, "elementwise")
batch(rt.unbroadcast, "helper", rank="like", shape=("like",))
batch(rt.broadcast_like, "helper", rank="x", shape=("x",))
batch(rt.fit, "helper", rank="x", shape=("x",))
batch(rt.fit_inner, "helper", rank="x", shape=("x",), name="fit")
batch(rt.shaped, "helper", rank="x", shape=("x",))
batch(rt.reshape_like, "helper", rank="x", shape=("x",))
batch(rt.transpose_grad, "helper", rank="v")
batch(rt.getitem_grad, "helper", rank="x", shape=("x",))
for _fn in (rt.sum_grad, rt.mean_grad):
    batch(_fn, "like", shape=("x",), axes=("axis",), data="x", rank="x")
for _fn in (rt.prod_grad, rt.var_grad):
    batch(_fn, "like", axes=("axis",), data="x", rank="x")
batch(rt.max_grad, "like", axes=("axis",), data="x", rank="x")
batch(rt.max_jvp, "like", axes=("axis",), data="x", rank="ans_")
batch(rt.reduce_jvp, "reduce", data="w", values=("w", "t"))
batch(rt.cast_grad, "helper", shape=("x",), rank="x")
batch(rt.cumsum_grad, "like", shape=("x",), axes=("axis",), data="x", rank="x",
      none="first")
batch(rt.sort_grad, "like", axes=("axis",), data="a", rank="a", none="flat",
      flat=("a",), reshape="a")
batch(rt.sort_jvp, "like", axes=("axis",), data="a", rank=1, none="flat",
      flat=("v", "a"))
batch(rt.diff_grad, "like", shape=("a",), axes=("axis",), data="a", rank="a")
for _fn in (rt.diagonal_grad, rt.trace_grad):
    batch(_fn, "like", shape=("a",), axes=("axis1", "axis2"), data="a", rank="a")
batch(rt.logsumexp_grad, "like", axes=("axis",), data="a", rank="a")
for _fn in (rt.matmul_ga, rt.dot_ga):
    batch(_fn, "helper", rank="a", shape=("a",))
for _fn in (rt.matmul_gb, rt.dot_gb):
    batch(_fn, "helper", rank="b", shape=("b",))
for _k in "abcd":
    batch(getattr(rt, f"einsum_g{_k}"), "einsum_grad", rank=_k)
for _fn in (rt.inner_ga, rt.tensordot_ga):
    batch(_fn, "contraction_grad", rank="a", shape=("a",), slot="a")
for _fn in (rt.inner_gb, rt.tensordot_gb):
    batch(_fn, "contraction_grad", rank="b", shape=("b",), slot="b")
batch(rt.take_grad, "like", shape=("a",), axes=("axis",), data="a", rank="a", none="flat",
      flat=("a",), reshape="a", lift=("a",))
batch(rt.take_along_axis_grad, "like", shape=("arr",), axes=("axis",), data="arr",
      rank="arr", lift=("arr", "indices"))
batch(rt.repeat_grad, "like", shape=("a",), axes=("axis",), data="a", rank="a", none="flat",
      flat=("a",), reshape="a", lift=("a",))
batch(rt.cumprod_grad, "like", axes=("axis",), data="x", rank="x", none="flat",
      flat=("x", "ans_"), reshape="x")
batch(rt.cumprod_jvp, "like", axes=("axis",), data="x", rank="ans_", none="flat",
      flat=("t", "x", "ans_"))
batch(rt.norm_grad, "norm_grad", rank="x")
batch(rt.vector_norm_grad, "norm_grad", rank="x")
batch(rt.concatenate_grad, "pieces", like="arrays", axes=("axis",))
batch(rt.sum_list_grad, "sum_list_grad")
batch(rt.pad_grad, "helper", rank="array", shape=("array",))
batch(rt.tile_grad, "helper", rank="a", shape=("a",))
batch(rt.diag_grad, "helper", rank="w", shape=("w",))
batch(rt.kron_ga, "helper", rank="a", shape=("a",))
batch(rt.kron_gb, "helper", rank="b", shape=("b",))
batch(rt.select_grad, "helper", rank="choicelist", shape=("choicelist",))
batch(rt.average_grad, "helper", rank="a", shape=("a",))
batch(rt.item, "item")
batch(rt.item_grad, "item_grad")
batch(rt.linspace_grad, "like", axes=("axis",), data="v", rank="v-1")
batch(rt.unstack, "pieces", axes=("axis",))
batch(rt.vstack_grad, "pieces", like="tup")
batch(rt.hstack_grad, "pieces", like="tup")
batch(rt.cholesky_grad, "native", rank="v")
batch(rt.cholesky_jvp, "native", rank="t")
batch(rt.phi, "native")

# ---- scipy.special (an optional extra) -----------------------------------------------------
try:
    import scipy.special as _sp
except ImportError:
    _sp = None
if _sp is not None:
    batch(_sp.polygamma, "elementwise")
    batch(_sp.logsumexp, "reduce", data="a", values=("a", "b"))
    for _fn in (_sp.softmax, _sp.log_softmax):
        batch(_fn, "axes", rank="x", lift=())
    batch(rt.digamma, "elementwise")
    batch(rt.polygamma, "elementwise")

# ---- helpers of the decompositions' gradients (runtime/decompositions.py): stacks of
# matrices along the last two axes, so the batch is one more stack axis ----------------
for _name, _rank in (("asym", "x"), ("lower_sym", "a"), ("lower_sym_t", "v"),
                     ("pair_div", "x"), ("gauge_check", "x"), ("outside", "x"),
                     ("diag_embed", "v+1"), ("spread_sym", "v+1"),
                     ("project", "t-1"), ("project_sym", "t-1"), ("complete", "t"),
                     ("complete_t", "v"), ("spread", "v+1"), ("pinv_grad", "a"),
                     ("pinv_jvp", "a"), ("upper_right", "x"), ("block_upper", "a")):
    if hasattr(rt, _name):
        batch(getattr(rt, _name), "native", rank=_rank)
if hasattr(rt, "div0"):
    batch(rt.div0, "elementwise")
if hasattr(rt, "kdim"):
    batch(rt.kdim, "identity", signature="a")  # min(m, n): the same for every example
