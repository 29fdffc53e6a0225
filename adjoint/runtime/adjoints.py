"""Making and fitting the adjoint of any value (a number, an array, a list, tuple or
dict): its zero (`zeros_like`), its shape and float dtype (`fit`), a spread of it
(`broadcast_like`) and the adjoint of one item (`getitem_grad`). The array case and
the container case call each other (a list of arrays), so they live together here.
"""
from __future__ import annotations

import numpy as np

from .core import unbroadcast
from .grad_containers import DICT_VIEWS, GradDict, GradList, _add, _basic, _is_zero, \
    is_container, scatter_add
from .kinds import NUMBERS, Shape, complex_error, float_dtype, full, kind_of, like_of, \
    ndarray, shape_of, spread, zeros
from .records import (as_adjoint, differentiable, is_namedtuple, is_record, rebuild,
                      rebuild_namedtuple)
from .records import zeros as record_zeros


def getitem_grad(g, x, index):
    """Adjoint of `x[index]`: zeros shaped like `x` with `g` added at `index` (of a
    record's attribute `x.a`: `index` is `rt.field(x, "a")`, records.py)."""
    if isinstance(x, (list, tuple, dict)) or type(x) is not ndarray and is_record(x):
        return container_getitem_grad(g, x, index)
    like = like_of(x)
    like = like_of(g) if like is None else like  # (a Dask gradient of a NumPy value)
    out = zeros(shape_of(x), float_dtype(x, g), like)
    if _basic(index):  # ints and slices: each element at most once
        out[index] += g
    else:
        scatter_add(out, index, g)
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
    like = like_of(x)
    if like is not None:  # a Dask or CuPy array, or its LikeShape: zeros of its type
        shape = shape_of(x)
        if not shape and isinstance(x, Shape):
            return 0.0
        return zeros(shape, float_dtype(x), like)
    if isinstance(x, (list, tuple, dict, DICT_VIEWS)) or is_record(x):
        return container_zeros(x)
    return np.zeros(np.shape(x), dtype=float_dtype(x))


def fit(g, x):
    """Give a possibly-scalar-zero adjoint the shape and float dtype of `x`
    (for a dict, list or tuple `x`: a plain container of the same kind)."""
    if type(g) is float and type(x) in NUMBERS:  # the scalar fast path: nothing to do
        return g
    if type(x) is complex or kind_of(x) == "c":
        raise complex_error("a complex argument was differentiated")
    if isinstance(x, (list, tuple, dict)) and not isinstance(x, Shape) \
            or type(x) is not ndarray and is_record(x):
        return container_fit(g, x)
    if np.shape(g) == shape_of(x):
        return _dtype_of(g, x)
    return _dtype_of(g + zeros_like(x), x)


def _dtype_of(g, x):
    """`g` in the float dtype of x when x is a NumPy float array or number: the adjoint
    of a float32 value is float32, also where a float64 constant met it."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind != "f" or getattr(g, "dtype", dtype) == dtype:
        return g
    return g.astype(dtype) if hasattr(g, "astype") else dtype.type(g)


def broadcast_like(g, x):
    """Spread `g` to the shape of `x` (the adjoint of `unbroadcast`), as a new writable
    array (a tangent may be item-written later); containers keep their structure."""
    if not isinstance(x, Shape) and (isinstance(x, (list, tuple, dict))
                                     or isinstance(g, (list, tuple, dict))):
        return broadcast_container(g, x)
    if type(x) in NUMBERS and np.ndim(g):  # x: a zero adjoint unbroadcast left a number
        return unbroadcast(g, x)
    shape, like = shape_of(x), like_of(x)
    if like is None and like_of(g) is None:
        return np.array(np.broadcast_to(g, shape))
    if type(g) in NUMBERS:  # (of x's array type)
        return full(shape, g, float_dtype(x), like)
    return spread(g, shape, like).copy()


def container_zeros(x):
    """A zero adjoint shaped like the container `x` (fresh zeros per element;
    0.0 for entries that are not numbers, arrays or containers, e.g. strings)."""
    if isinstance(x, dict):
        return GradDict({k: 0.0 if type(v) is float else _zero(v) for k, v in x.items()})
    if is_record(x):
        return record_zeros(x, _zero)
    return GradList([0.0 if type(v) is float else _zero(v) for v in x])  # (a dict view:


    # zeros per item, in order)


def _zero(v):
    if type(v) is int:
        return 0.0
    return zeros_like(v) if isinstance(v, (int, float, list, tuple, dict, np.ndarray,
                                           np.generic)) or differentiable(v) \
            or like_of(v) is not None else 0.0


def broadcast_container(g, x):
    """`broadcast_like` for containers: each entry of `g` spread to the matching
    entry of `x` (a zero spreads to zeros; a value to every entry of `x`)."""
    spread = broadcast_like
    if not is_container(x):
        return GradDict(g) if isinstance(g, dict) else GradList(g)
    if _is_zero(g):
        return container_zeros(x)
    if isinstance(g, dict):
        return GradDict({k: spread(v, x[k]) if k in x else v for k, v in g.items()})
    if isinstance(g, (list, tuple)):
        if isinstance(x, dict) or len(g) != len(x):
            return GradList(g)
        return GradList(spread(gi, xi) for gi, xi in zip(g, x))
    items = x.items() if isinstance(x, dict) else enumerate(x)
    out = {k: spread(g, v) for k, v in items}
    return GradDict(out) if isinstance(x, dict) else GradList(out.values())


def container_getitem_grad(g, x, index):
    """Adjoint of `x[index]` for a container: zeros with `g` added at `index`."""
    out = container_zeros(x)
    if type(index) is int and type(g) is float and type(out[index]) is float:
        out[index] = out[index] + g  # the common case first: one number of a tuple
        return out
    if isinstance(index, slice):
        for i, gi in zip(range(*index.indices(len(x))), g):
            out[i] = _add(out[i], gi)
    else:  # (an object's class attribute is not among its zeros: get)
        out[index] = _add(out.get(index, 0.0) if type(out) is GradDict else out[index], g)
    return out


def fit_inner(g, x):
    """`fit` for a gradient a callee's backward function returns to its caller: a
    container stays an adjoint (GradList/GradDict), so the caller adds it item by item
    to another (a plain list would concatenate)."""
    if type(g) is GradList and (type(x) is tuple or type(x) is list) and len(g) == len(x):
        # (the common case: a tuple of numbers, fitted item by item)
        return GradList([fit(gi, xi) for gi, xi in zip(g, x)])
    if type(x) is not ndarray and (is_record(x) or is_namedtuple(x)):
        g = container_fit(g, x)  # a record's gradient, then its adjoint container again
        return GradList(0.0 if v is None else v for v in g) if is_namedtuple(x) else \
            as_adjoint(g, x)
    out = fit(g, x)
    if isinstance(out, dict) and not isinstance(out, GradDict):
        return GradDict(out)
    if isinstance(out, (list, tuple)) and not isinstance(out, GradList):
        return GradList(out)
    return out


def container_fit(g, x):
    """A returned gradient: a plain dict/list/tuple shaped like `x` (zeros filled);
    of a namedtuple or dataclass, one of the same type (records.py)."""
    if is_record(x):
        return rebuild(x, g, fit)
    if isinstance(x, dict):
        return {k: fit(0.0 if _is_zero(g) else g.get(k, 0.0), v) for k, v in x.items()}
    parts = [fit(0.0 if _is_zero(g) else gi, v)
             for gi, v in zip([0.0] * len(x) if _is_zero(g) else g, x)]
    if is_namedtuple(x):
        return rebuild_namedtuple(x, parts)
    return tuple(parts) if isinstance(x, tuple) else parts
