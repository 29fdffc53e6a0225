"""Helpers that generated gradients call (imported there as `rt`).

Each helper is small, pure (never mutates its arguments) and has a gradient rule
of its own in `adjoint/rules/runtime.py`, so generated code is differentiable again.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import NonScalarOutputError, UsageError

NUMBERS = (float, int, bool, np.float64)  # 0-d types: the scalar fast path's guard
ndarray = np.ndarray


def numbers(*values):
    """True when every value is a Python number: no broadcasting can happen."""
    for v in values:
        if type(v) not in NUMBERS:
            return False
    return True


def vectors(*values):
    """True when every value is a 1-D array of real numbers or a list or tuple of
    numbers: one element of it (`cases[day]`) is a number."""
    for v in values:
        if type(v) is ndarray:
            if v.ndim != 1 or v.dtype.kind not in "fiub":
                return False
        elif type(v) is list or type(v) is tuple:
            if not all(type(e) in NUMBERS for e in v):
                return False
        else:
            return False
    return True


def seed(ans, grad_out, where="", name="grad_out"):
    """The adjoint of the function's result: `grad_out` (shaped like the result), or
    1.0 for a scalar. `name`: the keyword the caller passes it as (`grad_out2` for the
    outer seed of a gradient of a gradient)."""
    if grad_out is None and type(ans) in NUMBERS:  # the common case: a scalar loss
        return 1.0
    where_ = f"; the function is at {where}" if where else ""
    if type(ans) is complex or type(ans) is ndarray and ans.dtype.kind == "c":
        raise complex_error("the differentiated function returned a complex value")
    if grad_out is not None:
        if not isinstance(ans, (tuple, list, dict)) \
                and not isinstance(grad_out, (tuple, list, dict)) \
                and np.shape(grad_out) != np.shape(ans):
            raise NonScalarOutputError(
                f"{name} has shape {np.shape(grad_out)}, but the differentiated function "
                f"returned shape {np.shape(ans)}",
                hint=f"pass {name} shaped exactly like the function's output (the "
                     "incoming gradient of each output entry)" + where_)
        return grad_out
    if isinstance(ans, (tuple, list, dict)):
        raise NonScalarOutputError(
            f"the differentiated function returned a {type(ans).__name__} of "
            f"{len(ans)} values, so its gradient needs an incoming gradient for each",
            hint=f"pass {name} with one entry per returned value, e.g. {name}=(1.0, "
                 "0.0) for the first value's gradient, or return a single scalar"
                 + where_)
    if np.ndim(ans) != 0:
        raise NonScalarOutputError(
            f"the differentiated function returned an array of shape {np.shape(ans)}, "
            "so its gradient needs the output's incoming gradient",
            hint=f"pass {name}=<array shaped like the output> (a vector-Jacobian "
                 "product), or reduce the output to a scalar (e.g. .sum())" + where_)
    if isinstance(ans, np.generic) and np.issubdtype(ans.dtype, np.floating) \
            and ans.dtype != np.float64:
        return ans.dtype.type(1.0)  # keep float32 float32
    return 1.0


class Shape(tuple):
    """A saved shape standing in for a value the reverse sweep needs only the shape
    (and float type) of, e.g. to undo broadcasting or spread a sum's gradient: the
    forward sweep saves `rt.shape_only(v)` and lets the array go."""

    dtype = np.dtype(np.float64)  # the value's dtype when it had one (set per shape)


_NO_AXES = Shape(())  # the shape of every number, made once
_F64 = np.dtype(np.float64)


def shape_only(value):
    """What the adjoint sweep keeps of a value it reads only for its shape; a ragged
    container (a list of arrays of different shapes, a tape) is kept whole."""
    if type(value) is ndarray and value.dtype is _F64:
        return Shape(value.shape)  # the common case first: a float64 array
    if value is None:  # (a loop's first save: nothing was there yet)
        return None
    if type(value) in NUMBERS:
        return _NO_AXES
    try:
        shape = Shape(shape_of(value))
    except ValueError:
        return value
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype != Shape.dtype:
        shape.dtype = dtype  # float32 gradients stay float32
    return shape


def shapes(*values):
    """`shape_only` of each value (one statement frees several arrays)."""
    return tuple(shape_only(v) for v in values)


def shape_of(x):
    """np.shape, without its overhead for Python numbers and arrays."""
    if type(x) in NUMBERS:
        return ()
    if type(x) is Shape:
        return tuple(x)
    shape = getattr(x, "shape", None)
    return shape if shape is not None else np.shape(x)


def unbroadcast(g, like):
    """Sum `g` over the axes along which `like` was broadcast; shape of `like`."""
    kind = type(like)
    if type(g) is ndarray:
        if (kind is ndarray and g.shape == like.shape) or (kind is Shape and g.shape == like):
            return g  # the common case, checked first: no broadcasting happened
    elif type(g) in NUMBERS:
        return g  # numbers (x[i] of a vector in a loop): nothing to sum; a number
        # against an array is a zero adjoint not yet spread (it stays a number)
    if isinstance(g, (list, dict)) or isinstance(like, dict):
        return g  # container adjoints (GradList, GradDict) add item by item
    if kind is not Shape and isinstance(like, (list, tuple)):
        try:
            shape = np.shape(like)  # a list of numbers stands for an array
        except ValueError:  # a ragged list (a tape): item by item too
            return g
    else:
        shape = shape_of(like)
    if shape_of(g) == shape:
        return g
    return unbroadcast_to(g, shape)


def unbroadcast_to(g, shape):
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = _sum_outer(g, extra)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes == tuple(range(len(shape) - len(axes), len(shape))):  # trailing axes
        g = _sum_inner(g, len(axes))
    elif axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if shape == () else g


# Sums over the leading or trailing axes of a small float array as a product with a
# vector of ones: NumPy's own reduction along a short axis runs an inner loop per
# row (a (1000, 5) array: 12 us by g.sum(axis=0), 2 us by BLAS).
_ONES: dict = {}


def _ones(n, dtype):
    key = (n, dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 64:
            _ONES.clear()
        ones = _ONES[key] = np.ones(n, dtype)
        ones.flags.writeable = False
    return ones


def _by_blas(g):
    return g.dtype.char in "fd" and g.flags.c_contiguous and 0 < g.size <= 1 << 20


def _sum_outer(g, k):
    """g summed over its first k axes."""
    if not _by_blas(g):
        return g.sum(axis=tuple(range(k)))
    rest = g.shape[k:]
    m = g.size // math.prod(rest) if rest else 0
    if not m or m > 65536:  # (no axes left: a plain sum of everything)
        return g.sum(axis=tuple(range(k)))
    return (_ones(m, g.dtype) @ g.reshape(m, -1)).reshape(rest)


def _sum_inner(g, k):
    """g summed over its last k axes, kept as axes of length 1."""
    if k == 0:
        return g
    lead = g.shape[:g.ndim - k]
    n = g.size // math.prod(lead) if lead and _by_blas(g) else 0  # (_by_blas: size > 0)
    if not n or n > 65536:
        return g.sum(axis=tuple(range(g.ndim - k, g.ndim)), keepdims=True)
    return (g.reshape(-1, n) @ _ones(n, g.dtype)).reshape(lead + (1,) * k)


def refuse_view(a, b, filename, lineno, col, message, hint):
    """Before `a *= ...` (or a write into b) where a = b[i]: an error when a really
    shares b's memory (b is 2-D or more), which the source alone does not tell."""
    if type(a) is ndarray and type(b) is ndarray and np.may_share_memory(a, b):
        from ..errors import Location, UnsupportedSyntaxError
        raise UnsupportedSyntaxError(message, Location(filename, lineno, col), hint=hint)


def complex_error(what: str) -> UsageError:
    return UsageError(f"{what}: adjoint computes derivatives of real-valued code (a "
                      "complex gradient has no single convention)",
                      hint="pass complex values as their real and imaginary parts, two "
                           "real arrays, and return a real value (e.g. np.abs(z) ** 2)")


def sum_grad(g, x, axis=None, keepdims=False):
    """Adjoint of `np.sum(x, axis, keepdims)`: spread `g` back over `x`'s shape."""
    kind = x.dtype.kind if type(x) is ndarray or type(x) is Shape else "f"
    if kind == "c":
        raise complex_error("a complex value was summed into the differentiated result")
    if axis is None and kind == "f" and type(g) in NUMBERS and _spreads(x):
        # a scalar loss's seed: np.full is 4x quicker than broadcast_to when small,
        # a view saves memory when large
        if _size(x) <= 65536:
            return np.full(x if type(x) is Shape else x.shape, g, x.dtype)
        return np.broadcast_to(x.dtype.type(g), x if type(x) is Shape else x.shape)
    shape = shape_of(x)
    if not shape:
        return g
    if type(g) in NUMBERS:  # a Python number takes x's float type (float32 stays)
        g = np.asarray(g, dtype=float_dtype(x))
    if not keepdims and axis is not None:
        g = np.expand_dims(g, _axes(axis, len(shape)))
    return np.broadcast_to(g, shape)


def mean_grad(g, x, axis=None, keepdims=False):
    """Adjoint of `np.mean(x, axis, keepdims)`."""
    shape = shape_of(x)
    n = math.prod([shape[a] for a in _axes(axis, len(shape))]) if axis is not None \
        else math.prod(shape)  # a Python int keeps float32 float32
    if axis is None and n and type(g) in NUMBERS and _spreads(x) and x.dtype.kind == "f":
        return np.full(shape, g / n, x.dtype)  # a scalar loss's seed, in one step
    return sum_grad(g, x, axis, keepdims) / n  # (a fresh array the sweep may own)


def _spreads(x):
    """Whether x is an array, or the saved shape of one, that a number's gradient
    spreads over (a 0-d value keeps the number)."""
    return type(x) is ndarray or (type(x) is Shape and len(x) > 0)


def _size(x):
    return x.size if type(x) is ndarray else math.prod(x)


def _axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def float_dtype(*values):
    """The floating dtype a gradient of these values has (ints become float64).
    Python numbers are weak, as in NumPy's own arithmetic: they never widen."""
    if all((type(v) is ndarray and v.dtype is _F64) or type(v) is float
           or type(v) is np.float64 for v in values):
        return _F64  # the common case first: float64 arrays and Python floats
    arrays = [v.dtype if type(v) is Shape else np.asarray(v).dtype for v in values
              if type(v) not in NUMBERS]
    dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def getitem_grad(g, x, index):
    """Adjoint of `x[index]`: zeros shaped like `x` with `g` added at `index`."""
    if isinstance(x, (list, tuple, dict)):
        return container_getitem_grad(g, x, index)
    out = np.zeros(np.shape(x), dtype=float_dtype(x, g))
    if _basic(index):  # ints and slices: each element at most once
        out[index] += g
    else:
        np.add.at(out, index, g)
    return out


def zeros_like(x):
    """A zero adjoint: 0.0 for Python numbers, zeros of the same shape otherwise
    (of a saved Shape: zeros of that shape)."""
    kind = type(x)
    if kind is ndarray and x.dtype.kind == "f":  # the common case, without float_dtype
        return np.zeros(x.shape, x.dtype)
    if kind is Shape:
        return np.zeros(tuple(x), x.dtype) if x else 0.0
    if isinstance(x, (int, float, bool)) or x is None:  # (None: a value a branch
        return 0.0                                      # not taken never assigned)
    if isinstance(x, (list, tuple, dict, DICT_VIEWS)):
        return container_zeros(x)
    return np.zeros(np.shape(x), dtype=float_dtype(x))


def fit(g, x):
    """Give a possibly-scalar-zero adjoint the shape and float dtype of `x`
    (for a dict, list or tuple `x`: a plain container of the same kind)."""
    if type(g) is float and type(x) in NUMBERS:  # the scalar fast path: nothing to do
        return g
    if type(x) is complex or type(x) is ndarray and x.dtype.kind == "c":
        raise complex_error("a complex argument was differentiated")
    if isinstance(x, (list, tuple, dict)) and type(x) is not Shape:
        return container_fit(g, x)
    if np.shape(g) == shape_of(x):
        return g
    return g + zeros_like(x)


def reshape_like(g, x):
    return np.reshape(g, np.shape(x))


def transpose_grad(g, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(axes))


def log_or_zero(a):
    """log(a) where a > 0, else 0: the partial of a ** b in b (b rarely varies)."""
    a = np.asarray(a, dtype=float)
    return np.log(np.where(a > 0, a, 1.0))


def sign(x):
    return np.sign(x)


def shaped(g, x):
    """`g` as an array of `x`'s shape: a number (a zero adjoint not made an array yet)
    is broadcast (read-only); an array is returned as it is."""
    shape = shape_of(x)
    return g if type(g) is ndarray and g.shape == shape else np.broadcast_to(g, shape)


def broadcast_like(g, x):
    """Spread `g` to the shape of `x` (the adjoint of `unbroadcast`), as a new writable
    array (a tangent may be item-written later); containers keep their structure."""
    if type(x) is not Shape and (isinstance(x, (list, tuple, dict))
                                 or isinstance(g, (list, tuple, dict))):
        return broadcast_container(g, x)
    if type(x) in NUMBERS and np.ndim(g):  # x: a zero adjoint unbroadcast left a number
        return unbroadcast(g, x)
    return np.array(np.broadcast_to(g, shape_of(x)))


# ---- helpers behind the NumPy rule tables (kept in their own modules) ----------------
from .numpy_grads import (average_grad, average_wgrad, average_wjvp, cast_grad, cast_jvp,
                          count, cumprod_grad, cumprod_jvp, cumsum_grad, diag_grad,
                          diagonal_grad, digamma, histogram_grad, histogram_jvp,
                          linspace_grad, linspace_spread, logsumexp_grad, max_grad, max_jvp,
                          polygamma, prod_grad, reduce_jvp, select_default_grad,
                          select_grad, take_along_axis_grad, take_grad, trace_grad,
                          var_grad)
from .linalg_grads import (cholesky_grad, cholesky_jvp, dot_ga, dot_gb, einsum_ga,
                           einsum_gb, einsum_gc, einsum_gd, einsum_ops, inner_ga, inner_gb,
                           kron_ga, kron_gb, matmul_ga, matmul_ga_sum, matmul_gb,
                           matmul_gb_sum, norm_grad, phi, tensordot_ga, tensordot_gb,
                           vector_norm_grad)
from .containers import (DICT_VIEWS, GradDict, GradList, MISSING, _basic, add_at, add_item,
                         as_array, broadcast_container, container_fit,
                         container_getitem_grad, container_zeros, copy, fit_inner,
                         is_container, item, item_grad, item_grad_saved, last_writes,
                         list_of, restore, sum_list_grad, sum_of)
from .dicts import (as_sequence, dict_get, dict_items, dict_keys, dict_values, get_default,
                    get_grad, get_pick, items_grad, items_jvp, items_spread, sequence_grad,
                    sequence_jvp, values_grad, values_jvp, values_spread,
                    zeros_like_container)
from .shape_grads import (concatenate_grad, diff_grad, hstack_grad, pad_grad, repeat_grad,
                          sort_grad, sort_jvp, split_grad, star_axes, tile_grad, unstack,
                          vstack_grad)
from .second_order import (group, norm_curved, norm_power, pairs, pairs_one, pairs_t,
                           prod_hess, ungroup, weights_back, weights_like)

__all__ = [  # what generated code may call as rt.<name>
    "add_at", "add_item", "as_array", "as_sequence", "average_grad", "average_wgrad",
    "average_wjvp", "broadcast_like", "cast_grad", "cast_jvp", "cholesky_grad",
    "cholesky_jvp", "concatenate_grad", "container_fit", "container_getitem_grad",
    "container_zeros", "copy", "count", "cumprod_grad", "cumprod_jvp", "cumsum_grad",
    "diag_grad", "diagonal_grad", "dict_get", "dict_items", "dict_keys", "dict_values",
    "diff_grad", "digamma", "dot_ga", "dot_gb", "einsum_ga", "einsum_gb", "einsum_gc",
    "einsum_gd", "einsum_ops", "fit", "fit_inner", "float_dtype", "get_default",
    "get_grad", "get_pick", "getitem_grad", "GradDict", "GradList", "group",
    "histogram_grad", "histogram_jvp", "hstack_grad", "inner_ga", "inner_gb",
    "is_container", "item", "item_grad", "item_grad_saved", "items_grad", "items_jvp",
    "items_spread", "kron_ga", "kron_gb", "last_writes", "linspace_grad",
    "linspace_spread", "list_of", "log_or_zero", "logsumexp_grad", "matmul_ga",
    "matmul_ga_sum", "matmul_gb", "matmul_gb_sum", "max_grad", "max_jvp", "mean_grad",
    "MISSING", "NonScalarOutputError", "norm_curved", "norm_grad", "norm_power",
    "NUMBERS", "numbers", "pad_grad", "pairs", "pairs_one", "pairs_t", "phi",
    "polygamma", "prod_grad", "prod_hess", "reduce_jvp", "refuse_view", "repeat_grad",
    "reshape_like", "restore", "seed", "select_default_grad", "select_grad",
    "sequence_grad", "sequence_jvp", "Shape", "shape_of", "shape_only", "shaped",
    "shapes", "sign", "sort_grad", "sort_jvp", "split_grad", "star_axes", "sum_grad",
    "sum_list_grad", "sum_of", "take_along_axis_grad", "take_grad", "tensordot_ga",
    "tensordot_gb", "tile_grad", "trace_grad", "transpose_grad", "unbroadcast",
    "unbroadcast_to", "ungroup", "unstack", "values_grad", "vectors", "values_jvp",
    "values_spread", "var_grad", "vector_norm_grad", "vstack_grad", "weights_back",
    "weights_like", "zeros_like", "zeros_like_container"]
