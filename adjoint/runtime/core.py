"""The helpers most gradients call on arrays: the seed of the result's adjoint, undoing
broadcasting (`unbroadcast`), spreading a sum's or mean's adjoint, and small
elementwise pieces. Each is pure (never mutates its arguments) and has a rule of its own
in `adjoint/rules/helpers.py`, so generated code is differentiable again.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import Location, NonScalarOutputError, UnsupportedSyntaxError
from .kinds import (NUMBERS, Shape, _axes, complex_error, float_dtype, full, kind_of,
                    like_of, list_shape, ndarray, shape_of, spread)
from .records import as_adjoint, is_namedtuple, is_record


def seed(ans, grad_out, where="", name="grad_out"):
    """The adjoint of the function's result: `grad_out` (shaped like the result), or
    1.0 for a scalar. `name`: the keyword the caller passes it as (`grad_out2` for the
    outer seed of a gradient of a gradient)."""
    if grad_out is None and type(ans) in NUMBERS:  # the common case: a scalar loss
        return 1.0
    where_ = f"; the function is at {where}" if where else ""
    if type(ans) is complex or kind_of(ans) == "c":
        raise complex_error("the differentiated function returned a complex value")
    if grad_out is not None:
        if type(grad_out) is not ndarray and (is_record(grad_out) or is_namedtuple(grad_out)):
            return as_adjoint(grad_out, ans)  # a namedtuple or dataclass of gradients
        if not isinstance(ans, (tuple, list, dict)) \
                and not isinstance(grad_out, (tuple, list, dict)) \
                and np.shape(grad_out) != np.shape(ans):
            raise NonScalarOutputError(
                f"{name} has shape {np.shape(grad_out)}, but the differentiated function "
                f"returned shape {np.shape(ans)}",
                hint=f"pass {name} shaped exactly like the function's output (the "
                     "incoming gradient of each output entry)" + where_)
        return grad_out
    if is_record(ans):
        raise NonScalarOutputError(
            f"the differentiated function returned a {type(ans).__name__}, so its "
            "gradient needs an incoming gradient for each of its fields",
            hint=f"pass {name}={type(ans).__name__}(...) holding the incoming gradient of "
                 "each field, or return a single scalar" + where_)
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
    if isinstance(like, (list, tuple)) and not isinstance(like, Shape):
        try:
            shape = list_shape(like)  # a list of numbers stands for an array
        except ValueError:  # a ragged list (a tape): item by item too
            return g
    else:
        shape = shape_of(like)
    if shape_of(g) == shape:
        return g
    return unbroadcast_to(g, shape)


def unbroadcast_to(g, shape):
    if type(g) is not ndarray and like_of(g) is None:  # (a Dask or CuPy array stays)
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
    return type(g) is ndarray and g.dtype.char in "fd" and g.flags.c_contiguous and 0 < g.size <= 1 << 20


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
        raise UnsupportedSyntaxError(message, Location(filename, lineno, col), hint=hint)


def sum_grad(g, x, axis=None, keepdims=False):
    """Adjoint of `np.sum(x, axis, keepdims)`: spread `g` back over `x`'s shape."""
    if type(x) is ndarray or type(x) is Shape:
        kind = x.dtype.kind
    else:
        like = like_of(x)
        if like is not None:  # a Dask or CuPy array: the spread is of its type
            return _spread_like(g, x, like, axis, keepdims)
        kind = "f"
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


def _spread_like(g, x, like, axis, keepdims):
    """sum_grad for a value of another array type than NumPy's (or its LikeShape)."""
    if kind_of(x) == "c":
        raise complex_error("a complex value was summed into the differentiated result")
    shape = shape_of(x)
    if not shape:
        return g
    if type(g) in NUMBERS:
        return full(shape, g, float_dtype(x), like)
    if not keepdims and axis is not None:
        g = np.expand_dims(g, _axes(axis, len(shape)))
    return spread(g, shape, like)


def mean_grad(g, x, axis=None, keepdims=False):
    """Adjoint of `np.mean(x, axis, keepdims)`."""
    shape = shape_of(x)
    n = math.prod([shape[a] for a in _axes(axis, len(shape))]) if axis is not None \
        else math.prod(shape)  # a Python int keeps float32 float32
    if axis is None and n and type(g) in NUMBERS and _spreads(x) and x.dtype.kind == "f":
        return np.full(shape, g / n, x.dtype)  # a scalar loss's seed, in one step
    if axis is None and n and shape and type(g) in NUMBERS and type(x) is not ndarray:
        like = like_of(x)  # (the same for a Dask or CuPy array: one array, not two)
        if like is not None:
            return full(shape, g / n, float_dtype(x), like)
    return sum_grad(g, x, axis, keepdims) / n  # (a fresh array the sweep may own)


def _spreads(x):
    """Whether x is an array, or the saved shape of one, that a number's gradient
    spreads over (a 0-d value keeps the number)."""
    return type(x) is ndarray or (type(x) is Shape and len(x) > 0)


def _size(x):
    return x.size if type(x) is ndarray else math.prod(x)


def reshape_like(g, x):
    return np.reshape(g, np.shape(x))


def transpose_grad(g, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(axes).tolist())


def log_or_zero(a):
    """log(a) where a > 0, else 0: the partial of a ** b in b (b rarely varies)."""
    if type(a) in NUMBERS:  # a Python number stays one (weak: float32 arrays stay)
        return math.log(a) if a > 0 else 0.0
    if like_of(a) is None:
        a = np.asarray(a, dtype=float_dtype(a))
    return np.log(np.where(a > 0, a, 1))


def sign(x):
    return np.sign(x)


def shaped(g, x):
    """`g` as an array of `x`'s shape: a number (a zero adjoint not made an array yet)
    is broadcast (read-only); an array is returned as it is."""
    shape = shape_of(x)
    if type(g) is ndarray and g.shape == shape:
        return g
    like = like_of(x)
    if like is not None and type(g) in NUMBERS:  # a number: of x's array type
        return full(shape, g, float_dtype(x), like)
    return np.broadcast_to(g, shape)
