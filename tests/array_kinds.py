"""Arguments as Dask arrays or Strict arrays, and results back as NumPy for comparing.

The array-type tests (test_array_types.py) re-run the case tables of the other tests
with every NumPy array argument converted: to a Dask array (split in two chunks along
its first axis, as data are, evaluated by the synchronous scheduler; a square matrix
stays one chunk, as Dask's linear algebra wants), or to a Strict array (strict_array.py).
Python numbers stay numbers, and integer and boolean arrays (indices) NumPy arrays. `Computes` counts how often Dask evaluates anything, so
a test can require that a gradient computes nothing until asked.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pytest

from strict_array import Strict, to_strict

KINDS = ("dask", "strict")


def dask_array():
    return pytest.importorskip("dask.array", reason="dask is not installed (the `dask` "
                                                    "extra)")


def to_dask(value):
    """Every NumPy array in `value` (nested in lists, tuples, dicts) as a Dask array."""
    if type(value) is np.ndarray and value.dtype.kind == "f":
        da = dask_array()
        shape = value.shape
        square = value.ndim == 2 and shape[0] == shape[1]  # (Dask's linear algebra
        chunks = shape if square else (max(1, -(-shape[0] // 2)),) + shape[1:]  # wants)
        return da.from_array(value.copy(), chunks=chunks)
    if isinstance(value, np.floating):  # a NumPy result: lazy too, from Dask
        return dask_array().from_array(np.asarray(value))
    if isinstance(value, (list, tuple)):
        return type(value)(to_dask(v) for v in value)
    if isinstance(value, dict):
        return {k: to_dask(v) for k, v in value.items()}
    return value


def convert(kind, value, scalars=False):
    """The floating-point NumPy arrays in `value` (data) as the kind's arrays; integer
    and boolean arrays (indices, labels, masks) stay NumPy's, as users keep them.
    With `scalars`, a Python float becomes a 0-d array of the kind (a lazy scalar)."""
    if scalars and type(value) is float:
        value = np.float64(value)
    elif scalars and isinstance(value, (list, tuple)):
        return type(value)(convert(kind, v, scalars) for v in value)
    return to_dask(value) if kind == "dask" else to_strict(value)


def is_kind(kind, value) -> bool:
    if kind == "strict":
        return type(value) is Strict
    return hasattr(type(value), "__dask_graph__")


def to_numpy(value):
    """A result as NumPy data (Strict unwrapped; every Dask array in it computed in one
    graph: computing each alone orders and runs the shared graph once per result)."""
    value = _unwrap(value)
    if holds("dask", value):
        import dask
        return dask.compute(value, scheduler="sync")[0]
    return value


def _unwrap(value):
    if type(value) is Strict:
        return value._a
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # (SlogdetResult)
        return type(value)(*(_unwrap(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class Computes:
    """Counts Dask computations while active (the synchronous scheduler, counted)."""

    def __init__(self):
        self.count = 0

    def _get(self, dsk, keys, **kwargs):
        import dask.local
        self.count += 1
        return dask.local.get_sync(dsk, keys, **kwargs)

    @contextlib.contextmanager
    def counting(self):
        import dask
        self.count = 0
        with dask.config.set(scheduler=self._get):
            yield self


def holds(kind, value) -> bool:
    """Whether `value` is, or holds, an array of the kind."""
    if isinstance(value, (list, tuple)):
        return any(holds(kind, v) for v in value)
    if isinstance(value, dict):
        return any(holds(kind, v) for v in value.values())
    return is_kind(kind, value)


def assert_same_arrays(kind, got, want, where, rtol=1e-9, atol=1e-12, typed=True):
    """`got` (from converted arguments) holds the same numbers as `want` (from the
    NumPy arguments), and (when `typed`) the kind's arrays where `want` has arrays.
    `typed` may also be a value shaped like `want`: typed where it holds the kind's
    arrays (the forward result, for a tangent)."""
    assert_types(kind, got, want, where, typed)
    assert_numbers(to_numpy(got), want, where, rtol, atol)


def _parts(got, want, typed, where):
    """(got, want, typed, where) of each entry of a container `want`."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), where
        return [(got[k], want[k], typed[k] if isinstance(typed, dict) else typed,
                 f"{where}[{k!r}]") for k in want]
    assert isinstance(got, (list, tuple)) and len(got) == len(want), where
    return [(g, w, typed[i] if isinstance(typed, (list, tuple)) else typed,
             f"{where}[{i}]") for i, (g, w) in enumerate(zip(got, want))]


def assert_types(kind, got, want, where, typed):
    if isinstance(want, (dict, list, tuple)):
        for part in _parts(got, want, typed, where):
            assert_types(kind, *part[:2], part[3], part[2])
        return
    if not isinstance(typed, bool):
        typed = is_kind(kind, typed)
    if typed and isinstance(want, np.ndarray) and want.ndim > 0:
        assert is_kind(kind, got), f"{where}: a {type(got).__name__}, not a {kind} array"


def assert_numbers(got, want, where, rtol, atol):
    if isinstance(want, (dict, list, tuple)):
        for g, w, _, at in _parts(got, want, None, where):
            assert_numbers(g, w, at, rtol, atol)
        return
    if isinstance(want, str):  # a key
        assert got == want, where
        return
    assert np.shape(got) == np.shape(want), \
        f"{where}: shape {np.shape(got)}, NumPy's {np.shape(want)}"
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=rtol, atol=atol, err_msg=where)
