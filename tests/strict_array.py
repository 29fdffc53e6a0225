"""A small array type that stands in for CuPy on machines without a GPU.

`Strict` wraps a NumPy array and implements NumPy's dispatch protocols
(`__array_ufunc__`, `__array_function__`, NEP 35's `like=`), so NumPy-API code runs on
it unchanged and returns `Strict` arrays, as it does on CuPy. Like CuPy, it refuses
to become a NumPy array: `np.asarray(s)` raises, and so does mixing it with a NumPy
array in one operation (`s + np.ones(3)`). Every helper that creates a NumPy array
where the value it stands for is a `Strict` one therefore fails a test.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin


class StrictConversionError(TypeError):
    """An accidental conversion between a Strict array and a NumPy array."""


class _Index:
    """An index argument (NumPy arrays allowed there), marked for `_unwrap`."""

    def __init__(self, index):
        self.index = index


def _unwrap(x):
    if type(x) is Strict:
        return x._a
    if type(x) is _Index:
        return _index(x.index)
    if isinstance(x, np.ndarray):
        raise StrictConversionError(
            f"a NumPy array of shape {x.shape} mixed with a Strict array (CuPy refuses "
            "this too: the NumPy array would have to be copied to the device)")
    if type(x) is list or type(x) is tuple:
        return type(x)(_unwrap(e) for e in x)
    if type(x) is dict:
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _index(index):
    """An index, or an argument after the first of a NumPy function (a shift, the
    positions of np.take): CuPy takes NumPy integer and boolean arrays there, not
    NumPy data."""
    if isinstance(index, np.ndarray) and index.dtype.kind in "biu":
        return index
    if type(index) is tuple or type(index) is list:
        return type(index)(_index(i) for i in index)
    return _unwrap(index)


def _wrap(x):
    if isinstance(x, (np.ndarray, np.generic)):  # (CuPy's reductions give 0-d arrays)
        return Strict(np.asarray(x))
    if type(x) is list or type(x) is tuple:
        return type(x)(_wrap(e) for e in x)
    if isinstance(x, tuple):  # a named tuple (np.linalg.svd's SVDResult)
        return type(x)(*(_wrap(e) for e in x))
    return x


_COPIES_IN = (np.asarray, np.array, np.asanyarray, np.ascontiguousarray)


class Strict(NDArrayOperatorsMixin):
    """A NumPy array that may not leave its type (see the module docstring)."""

    __slots__ = ("_a",)

    def __init__(self, a):
        assert type(a) is np.ndarray, type(a)
        self._a = a

    # ---- conversions CuPy refuses ------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise StrictConversionError(
            "a Strict array was converted to a NumPy array (np.asarray, np.array or a "
            "NumPy function without dispatch); CuPy raises here too")

    def tolist(self):
        raise StrictConversionError("Strict.tolist: a copy to the host")

    # ---- the dispatch protocols ---------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if method == "at":  # np.add.at(a, index, b): the index may be NumPy's
            inputs = (inputs[0], _Index(inputs[1])) + inputs[2:]
        result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        if out is not None:  # written in place: the Strict arrays given are the result
            return out[0] if len(out) == 1 else out
        return None if method == "at" else _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (Strict, np.ndarray)) for t in types):
            return NotImplemented
        if func in _COPIES_IN:  # np.asarray(data, like=s): an explicit copy, as
            return Strict(np.array(*args, **kwargs))  # cupy.asarray(data) allows
        args = args[:1] + tuple(_Index(a) for a in args[1:])  # (shifts, positions)
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    # ---- what an array has -------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    T = property(lambda self: Strict(self._a.T))
    mT = property(lambda self: Strict(np.swapaxes(self._a, -1, -2)))
    flags = property(lambda self: self._a.flags)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __getitem__(self, index):
        return _wrap(self._a[_index(index)])

    def __setitem__(self, index, value):
        self._a[_index(index)] = _unwrap(value)

    def __float__(self):  # CuPy allows these (a synchronising copy of one number)
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __bool__(self):
        return bool(self._a)

    def item(self, *args):
        return self._a.item(*args)

    def __repr__(self):
        return f"Strict({self._a!r})"

    __hash__ = None

    def __getattr__(self, name):  # the ndarray methods: sum, reshape, astype, ...
        if name.startswith("__") or name in ("tobytes", "view", "__array_interface__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        def method(*args, **kwargs):
            return _wrap(attr(*_unwrap(args), **_unwrap(kwargs)))
        return method


def to_strict(value):
    """Every floating-point NumPy array in `value` (nested in lists, tuples, dicts) as a
    Strict array."""
    if type(value) is np.ndarray and value.dtype.kind == "f":
        return Strict(value.copy())
    if isinstance(value, np.floating):  # a NumPy result: a 0-d array on a GPU
        return Strict(np.asarray(value))
    if isinstance(value, (list, tuple)):
        return type(value)(to_strict(v) for v in value)
    if isinstance(value, dict):
        return {k: to_strict(v) for k, v in value.items()}
    return value


def from_strict(value):
    """The inverse of `to_strict`, for comparing results (never used by the code
    under test)."""
    if type(value) is Strict:
        return value._a
    if isinstance(value, (list, tuple)):
        return type(value)(from_strict(v) for v in value)
    if isinstance(value, dict):
        return {k: from_strict(v) for k, v in value.items()}
    return value
