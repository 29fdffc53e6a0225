"""Arguments of an array type adjoint cannot differentiate are refused at the call.

Generated code is NumPy-API code: it runs unchanged on any array type that implements
NumPy's dispatch protocol (`__array_function__`: NumPy, Dask, CuPy). Arrays of other
libraries (torch tensors, JAX arrays, array-API-only arrays) do not: NumPy would
convert some of them silently, and fail deep inside a helper on others. So the
compiled function (not its text: `.source` is what the user reads and can run) starts
with `_adjoint_accept(x, y)` over its parameters, where the function has arrays:

    def dloss_dw_arrays(w, X):
        _adjoint_accept(w, X)      # compiled in, like the error guard of tracebacks.py
        ...

A known type (a number, a NumPy array) passes after one set lookup, so the check
costs about 40 ns an argument (a list: its first items) and nothing on the
numbers-only version.
"""
from __future__ import annotations

import ast

import numpy as np

from ..errors import Location, UsageError

ACCEPT = "_adjoint_accept"
_KNOWN = frozenset({float, int, bool, complex, str, type(None), np.ndarray, np.float64,
                    np.float32, np.int64, np.bool_, slice})  # (containers: their items)


def inject(tree: ast.Module, name: str) -> None:
    """Put the check first in the function the arrays go to: `name_arrays` when the
    module has a numbers-only version `name`, else `name`."""
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    fn = defs.get(name + "_arrays") or defs.get(name)
    if fn is None:
        return
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    if not params:
        return
    check = ast.parse(f"{ACCEPT}({', '.join(params)})").body[0]
    for part in ast.walk(check):
        if hasattr(part, "lineno"):
            part.lineno = part.end_lineno = fn.lineno
            part.col_offset = part.end_col_offset = 0
    fn.body.insert(0, check)


class Accept:
    """The check `inject` calls: refuses an argument of an array type without NumPy's
    dispatch protocol, naming the user's function."""

    def __init__(self, where: Location | None, function: str):
        self.where = where
        self.function = function

    def __call__(self, *values) -> None:
        for v in values:
            if type(v) not in _KNOWN:
                self._check(v)

    def _check(self, value, depth: int = 0) -> None:
        kind = type(value)
        if kind in _KNOWN:
            return
        if isinstance(value, (list, tuple, dict)):
            if depth < 2:  # (the first few items: a list of tensors is refused too)
                items = list(value.values() if isinstance(value, dict) else value)
                for item in items[:8]:
                    self._check(item, depth + 1)
            return
        if hasattr(kind, "__array_function__") or isinstance(value, np.generic):
            return  # NumPy, Dask, CuPy, ...: the generated code runs on it
        if hasattr(kind, "__dlpack__") or hasattr(kind, "__array_namespace__"):
            raise unsupported(kind, self.function, self.where)


def unsupported(kind: type, function: str, where: Location | None) -> UsageError:
    name = f"{kind.__module__}.{kind.__qualname__}"
    return UsageError(
        f"{function} was given a {name}, an array type adjoint cannot differentiate: "
        "the gradient adjoint writes is NumPy code, which runs unchanged only on arrays "
        "that implement NumPy's dispatch protocol (__array_function__), as NumPy, Dask "
        "and CuPy arrays do", where,
        hint="pass np.asarray(x) (on the CPU), a Dask array, or a CuPy array (on a "
             "GPU); to differentiate code written for this library, use its own "
             "automatic differentiation (torch.autograd, jax.grad)")
