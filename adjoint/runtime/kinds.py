"""What every runtime helper asks of a value: is it a number, what is its shape and float
dtype, and the `Shape` record that stands for an array the reverse sweep needs only the
shape of. The leaf of `adjoint.runtime`: it imports no other module of the package.
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError


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


class Shape(tuple):
    """A saved shape standing in for a value the reverse sweep needs only the shape
    (and float type) of, e.g. to undo broadcasting or spread a sum's gradient: the
    forward sweep saves `rt.shape_only(v)` and lets the array go."""

    dtype = np.dtype(np.float64)  # the value's dtype when it had one (set per shape)


class LikeShape(Shape):
    """The Shape record of an array of another type than NumPy's (Dask, CuPy): it keeps
    `like`, a prototype the arrays standing for the value are made like, so its
    gradient has the type of the array it stands for. (A subclass, so that the
    NumPy fast paths' `type(x) is Shape` checks pass it by.)"""

    like = None


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
    if type(value) is LikeShape:  # (a record already: the tangent of one)
        return value
    like = like_of(value)
    if like is None and (type(value) is list or type(value) is tuple) \
            and any(like_of(e) is not None for e in value):
        return value  # a list of Dask or CuPy arrays: kept (its zeros are of their type)
    try:
        shape = Shape(shape_of(value)) if like is None else LikeShape(value.shape)
    except ValueError:
        return value
    if like is not None:
        shape.like = prototype(value)
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype != Shape.dtype:
        shape.dtype = dtype  # float32 gradients stay float32
    return shape


def shapes(*values):
    """`shape_only` of each value (one statement frees several arrays)."""
    return tuple(shape_only(v) for v in values)


def shape_of(x):
    """np.shape, without its overhead for Python numbers and arrays (and without
    converting a list of arrays of another type to a NumPy array)."""
    if type(x) in NUMBERS:
        return ()
    if type(x) is Shape or type(x) is LikeShape:
        return tuple(x)
    shape = getattr(x, "shape", None)
    if shape is not None:
        return shape
    return list_shape(x) if type(x) is list or type(x) is tuple else np.shape(x)


def list_shape(x) -> tuple:
    """np.shape of a list or tuple, read from its items' shapes; ValueError when the
    items differ in shape (ragged), as np.shape raises."""
    if all(type(e) in NUMBERS for e in x):
        return (len(x),)
    inner = {shape_of(e) for e in x}
    if len(inner) > 1:
        raise ValueError(f"a ragged list: items of shapes {sorted(inner)}")
    return (len(x),) + inner.pop()


# ---- the array type: new arrays are made like the values they stand for -------------
def is_lazy(x) -> bool:
    """A lazy array (a Dask collection): its operations build a graph, computed later."""
    return hasattr(type(x), "__dask_graph__")


def like_of(x):
    """The array that new arrays standing for `x` are made like (its type, device and,
    when lazy, chunks): None where NumPy makes them (a NumPy array, a number, a
    container, a NumPy Shape record)."""
    kind = type(x)
    if kind is ndarray or kind is Shape or kind in NUMBERS or x is None:
        return None
    if kind is LikeShape:
        return x.like
    if isinstance(x, (np.generic, list, tuple, dict, str)) \
            or not hasattr(kind, "__array_function__"):
        return None
    return x


def prototype(value):
    """What a Shape record of `value` keeps to make arrays like it: a lazy array itself
    (a graph holding no data; new arrays get its chunks), else an empty array of its
    type (nothing of its memory is kept)."""
    return value if is_lazy(value) else np.empty_like(value, shape=(0,))


def zeros(shape, dtype, like):
    """Zeros of `shape` and `dtype`, of the array type of `like` (None: NumPy's)."""
    if like is None:
        return np.zeros(shape, dtype)
    if tuple(shape) == like.shape:  # (a lazy array's chunks are kept)
        return np.zeros_like(like, dtype=dtype)
    return np.zeros_like(like, dtype=dtype, shape=shape)


def full(shape, value, dtype, like):
    """`value` (a number) everywhere in an array of `shape`, of the type of `like`."""
    if like is None:
        return np.full(shape, value, dtype)
    if type(value) not in NUMBERS and like_of(value) is not None:  # a 0-d array
        return zeros(shape, dtype, like) + value
    if tuple(shape) == like.shape:
        return np.full_like(like, value, dtype=dtype)
    return np.full_like(like, value, dtype=dtype, shape=shape)


def spread(g, shape, like):
    """`g` broadcast to `shape`: a read-only view, or for a lazy array a sum with zeros
    chunked like it (a view would come as one chunk along new axes). A NumPy `g` (a
    number made an array, np.ones_like(1.0)) goes over to `like`'s type first."""
    if like is not None and type(g) is ndarray:
        g = constant(g, like)
    if like is not None and is_lazy(like) and tuple(shape) == like.shape:
        return g + np.zeros_like(like, dtype=np.result_type(g, like))
    return np.broadcast_to(g, shape)


def constant(value, like, dtype=None):
    """`value` (a number or NumPy data: a constant) as an array of `like`'s type."""
    if like is None:
        return np.asarray(value, dtype)
    return np.asarray(value, dtype=dtype, like=like)


def match(g, x):
    """`g` in the array type of `x`: a NumPy value (a number made an array by a
    template, np.ones_like(1.0)) beside a Dask or CuPy `x` goes over to its type."""
    if type(g) is ndarray or isinstance(g, np.generic):
        like = like_of(x)
        if like is not None:
            return constant(g, like)
    return g


def kind_of(x) -> str:
    """The dtype kind of an array of any type ("f", "c", ...; "f" for numbers)."""
    dtype = getattr(x, "dtype", None)
    return dtype.kind if isinstance(dtype, np.dtype) else "f"


def _axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def float_dtype(*values):
    """The floating dtype a gradient of these values has (ints become float64).
    Python numbers are weak, as in NumPy's own arithmetic: they never widen."""
    if all((type(v) is ndarray and v.dtype is _F64) or type(v) is float
           or type(v) is np.float64 for v in values):
        return _F64  # the common case first: float64 arrays and Python floats
    arrays = [_dtype_of(v) for v in values if type(v) not in NUMBERS]
    dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def _dtype_of(v):
    dtype = getattr(v, "dtype", None)  # (a Shape's, or an array's of any type)
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(v, (list, tuple)) and any(like_of(e) is not None for e in v):
        return np.result_type(*[_dtype_of(e) for e in v])
    return np.asarray(v).dtype


def complex_error(what: str) -> UsageError:
    return UsageError(f"{what}: adjoint computes derivatives of real-valued code (a "
                      "complex gradient has no single convention)",
                      hint="pass complex values as their real and imaginary parts, two "
                           "real arrays, and return a real value (e.g. np.abs(z) ** 2)")
