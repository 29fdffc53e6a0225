"""Arguments as Dask arrays or Strict arrays, and results back as NumPy for comparing.

The array-type tests (test_array_types.py) re-run the case tables of the other tests
with every NumPy array argument converted: to a Dask array (each axis split in two
chunks, evaluated by the synchronous scheduler; a square matrix stays one chunk, as
Dask's linear algebra wants), or to a Strict array (strict_array.py).
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
        chunks = shape if square else tuple(max(1, -(-n // 2)) for n in shape)  # wants)
        return da.from_array(value.copy(), chunks=chunks)
    if isinstance(value, np.floating):  # a NumPy result: lazy too, from Dask
        return dask_array().from_array(np.asarray(value))
    if isinstance(value, (list, tuple)):
        return type(value)(to_dask(v) for v in value)
    if isinstance(value, dict):
        return {k: to_dask(v) for k, v in value.items()}
    return value


def convert(kind, value):
    """The floating-point NumPy arrays in `value` (data) as the kind's arrays; integer
    and boolean arrays (indices, labels, masks) stay NumPy's, as users keep them."""
    return to_dask(value) if kind == "dask" else to_strict(value)


def is_kind(kind, value) -> bool:
    if kind == "strict":
        return type(value) is Strict
    return hasattr(type(value), "__dask_graph__")


def to_numpy(value):
    """A result as NumPy data (Dask computed, Strict unwrapped), for comparing."""
    if type(value) is Strict:
        return value._a
    if hasattr(type(value), "__dask_graph__"):
        import dask
        return dask.compute(value, scheduler="sync")[0]
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    return value


def kinds_of(value):
    """The nested types of a result: 'array' for the kind's arrays, else a type name."""
    if isinstance(value, (list, tuple)):
        return type(value)(kinds_of(v) for v in value)
    if isinstance(value, dict):
        return {k: kinds_of(v) for k, v in value.items()}
    return type(value).__name__


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
    NumPy arguments), and (when `typed`) the kind's arrays where `want` has arrays."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), where
        for k in want:
            assert_same_arrays(kind, got[k], want[k], f"{where}[{k!r}]", rtol, atol, typed)
        return
    if isinstance(want, (list, tuple)) and not isinstance(want, np.ndarray):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_arrays(kind, g, w, f"{where}[{i}]", rtol, atol, typed)
        return
    if typed and isinstance(want, np.ndarray) and want.ndim > 0:
        assert is_kind(kind, got), f"{where}: a {type(got).__name__}, not a {kind} array"
    np.testing.assert_allclose(np.asarray(to_numpy(got), dtype=float),
                               np.asarray(want, dtype=float), rtol=rtol, atol=atol,
                               err_msg=where)
