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


def complex_error(what: str) -> UsageError:
    return UsageError(f"{what}: adjoint computes derivatives of real-valued code (a "
                      "complex gradient has no single convention)",
                      hint="pass complex values as their real and imaginary parts, two "
                           "real arrays, and return a real value (e.g. np.abs(z) ** 2)")
