"""`vmap`: a function applied over a batch axis, written as NumPy code for the batch.

    per_example = adjoint.vmap(adjoint.grad(loss), in_axes=(None, 0, 0))
    per_example(W, X, Y)        # one gradient per row of X and Y
    print(per_example.source)   # the batched code adjoint wrote

The batched function is compiled when first called, for the number of dimensions of
its arguments (`x * c` must become `x * c[:, None]` when c has one number per example
and x one vector per example); a call with other ranks compiles again.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from ..errors import UsageError, at_the_call
from . import facts as F

_CACHE: dict = {}


@at_the_call
def vmap(fn=None, *, in_axes=0, out_axes=0, fallback=None):
    """`fn` applied over an axis of its arguments: `in_axes` gives, per positional
    argument, the axis that indexes the examples (None: the same for all examples;
    one int: every argument), `out_axes` where the results put it. Keyword arguments
    are the same for every example. `fallback="loop"` calls functions that have no
    batching rule once per example instead of refusing them."""
    if fn is None:
        return functools.partial(vmap, in_axes=in_axes, out_axes=out_axes,
                                 fallback=fallback)
    if fallback not in (None, "loop"):
        raise UsageError(f"fallback={fallback!r} is neither None nor 'loop'",
                         hint="pass fallback='loop' to call functions without a batching "
                              "rule once per example")
    rule = getattr(fn, "vmap_rule", None)  # jacobian, hessian, ... (derivatives.py)
    if rule is not None:
        return rule(in_axes=in_axes, out_axes=out_axes, fallback=fallback)
    if isinstance(fn, Batched):
        return nested(fn, in_axes, out_axes)
    if inspect.ismethod(fn):  # a bound method: its object is the same for every example
        return _method(fn, in_axes, out_axes, fallback)
    key = (fn, getattr(fn, "__code__", None), _hashable(in_axes), _hashable(out_axes),
           fallback)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _CACHE[key] = Batched(fn, in_axes, out_axes, fallback)
    return hit


def _method(fn, in_axes, out_axes, fallback):
    inner = vmap(fn.__func__, in_axes=None, out_axes=out_axes, fallback=fallback)

    @functools.wraps(fn)
    def method_batched(*args, **kwargs):
        axes = _per_argument(in_axes, len(args), fn)
        return inner.apply((fn.__self__,) + args, kwargs, [None] + list(axes))
    method_batched.batched = inner
    return method_batched


def _hashable(axes):
    return tuple(axes) if isinstance(axes, list) else axes


class Batched:
    """The batched function: compiles on first call (per ranks of the arguments)."""

    def __init__(self, fn, in_axes, out_axes, fallback):
        self.fn = fn
        self.in_axes = in_axes
        self.out_axes = out_axes
        self.fallback = fallback
        self.compiled = {}      # facts of the arguments -> (function, ctx, module, fact)
        self.quick = {}         # types and ranks of the arguments -> the same entries
        self.names = {}         # number of positional arguments -> parameter names
        self.last = None
        functools.update_wrapper(self, fn, updated=())
        self.__name__ = f"{getattr(fn, '__name__', 'f')}_batched"

    @at_the_call
    def __call__(self, *args, **kwargs):
        return self.apply(args, kwargs, _per_argument(self.in_axes, len(args), self.fn))

    def apply(self, args, kwargs, axes, kw_axes=None, out_axes=...):
        """The call with the batch axis of each positional argument in `axes` and of
        the keyword arguments in `kw_axes` (name -> axis; unbatched when absent)."""
        kw_axes = kw_axes or {}
        moved, size = [], None
        kwargs = dict(kwargs)
        for k, (a, ax) in enumerate(list(zip(args, axes)) +
                                    [(kwargs[n], kw_axes[n]) for n in kw_axes]):
            if ax is None:
                moved.append(a)
                continue
            value, n = move_in(a, ax, k)
            if size is not None and n != size:
                raise UsageError(f"vmap: argument {k} has {n} examples along axis {ax}, "
                                 f"an earlier one {size}",
                                 hint="give every batched argument the same batch size")
            size = n
            moved.append(value)
        if size is None:
            raise UsageError("vmap: no argument is batched (in_axes is None for all)",
                             hint="give the batched arguments' axis in in_axes")
        kwargs.update(zip(kw_axes, moved[len(args):]))
        moved = moved[:len(args)]
        quick = _quick_key(moved, axes, kwargs, kw_axes)
        entry = self.quick.get(quick) if quick is not None else None
        if entry is None:
            entry = self._entry(moved, axes, kwargs, kw_axes)
            if quick is not None:
                self.quick[quick] = entry
        self.last = entry
        out = entry[0](*moved, **kwargs)
        return move_out(out, entry[3], self.out_axes if out_axes is ... else out_axes,
                        size)

    def _entry(self, moved, axes, kwargs, kw_axes):
        """The batched function compiled for the facts of these arguments."""
        names = self.names.get(len(moved))
        if names is None:
            names = self.names[len(moved)] = _names(self.fn, len(moved))
        params = {n: F.of_value(a, ax is not None) for n, a, ax in zip(names, moved, axes)}
        params.update({k: F.of_value(v, kw_axes.get(k) is not None)
                       for k, v in kwargs.items()})
        key = tuple(sorted(params.items()))
        entry = self.compiled.get(key)
        if entry is None:
            from ..pipeline import compile_batched
            entry = self.compiled[key] = compile_batched(self.fn, params, self.fallback)
        return entry

    @property
    def source(self) -> str:
        return self._last().text

    @property
    def stages(self):
        return self.last[1].stages if self.last else self._last()

    def _last(self):
        if self.last is None:
            raise UsageError("the batched code is written when the function is first "
                             "called (it depends on the number of dimensions of the "
                             "arguments)", hint="call it once, then read .source")
        return self.last[2]


def _quick_key(args, axes, kwargs, kw_axes):
    """A cheap key for arguments that are arrays, numbers or None (else None): their
    types, numbers of dimensions and dtype kinds decide the facts."""
    out = []
    for a, ax in list(zip(args, axes)) + [(kwargs[k], kw_axes.get(k)) for k in
                                           sorted(kwargs)]:
        kind = type(a)
        if kind is np.ndarray:
            out.append((ax is not None, a.ndim, a.dtype.char))
        elif kind in (float, int, bool, type(None), np.float64):
            out.append((ax is not None, kind))
        else:
            return None
    return tuple(out) + tuple(sorted(kwargs))


def _names(fn, n):
    target = getattr(fn, "generic", None) or fn
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return [f"_{k}" for k in range(n)]
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)]
    if n > len(positional):
        raise UsageError(f"{getattr(fn, '__name__', fn)} takes {len(positional)} "
                         f"positional arguments, got {n}")
    return positional[:n]


def _per_argument(in_axes, n, fn):
    if isinstance(in_axes, (tuple, list)):
        if len(in_axes) != n:
            raise UsageError(f"vmap: in_axes has {len(in_axes)} entries but "
                             f"{getattr(fn, '__name__', 'the function')} was called with "
                             f"{n} positional arguments",
                             hint="give one entry (an axis or None) per positional argument")
        return list(in_axes)
    return [in_axes] * n


def move_in(value, axis, k):
    """A batched argument with its batch axis first, and the batch size."""
    if isinstance(value, (tuple, list)) and value and not _numbers(value):
        parts = [move_in(v, axis, k) for v in value]
        sizes = {n for _, n in parts}
        if len(sizes) != 1:
            raise UsageError(f"vmap: the arrays of argument {k} have different batch sizes")
        return type(value)(p for p, _ in parts), sizes.pop()
    if isinstance(value, dict):
        parts = {key: move_in(v, axis, k) for key, v in value.items()}
        sizes = {n for _, n in parts.values()}
        return {key: p for key, (p, _) in parts.items()}, sizes.pop()
    arr = np.asarray(value)
    if arr.ndim == 0:
        raise UsageError(f"vmap: argument {k} is a number, it has no axis {axis} to batch",
                         hint="pass None in in_axes for an argument that is the same "
                              "for every example")
    if not -arr.ndim <= axis < arr.ndim:
        raise UsageError(f"vmap: argument {k} has {arr.ndim} dimensions, no axis {axis}")
    return (np.moveaxis(arr, axis, 0) if axis not in (0, -arr.ndim) else arr), \
        arr.shape[axis]


def _numbers(value):
    return all(isinstance(v, (int, float, np.number)) for v in value)


def move_out(value, fact, out_axes, size):
    """The batch axis of a result where out_axes says (an unbatched result is repeated
    once per example)."""
    if isinstance(value, (tuple, list)) and fact is not None and fact.kind in ("tuple",
                                                                               "list"):
        items = fact.items or (fact.elem,) * len(value)
        axes = out_axes if isinstance(out_axes, (tuple, list)) else [out_axes] * len(value)
        parts = [move_out(v, f, a, size) for v, f, a in zip(value, items, axes)]
        return type(value)(*parts) if hasattr(value, "_fields") else type(value)(parts)
    if isinstance(value, dict) and fact is not None and fact.keys is not None:
        keys = dict(fact.keys)
        return {k: move_out(v, keys.get(k), out_axes, size) for k, v in value.items()}
    batched = fact is not None and fact.batched
    if out_axes is None:
        if batched:
            raise UsageError("vmap: out_axes is None but the result differs between "
                             "examples", hint="give the result's batch axis in out_axes")
        return value
    if not batched:
        value = np.asarray(value)
        value = np.array(np.broadcast_to(value, (size,) + value.shape))
    return np.moveaxis(value, 0, out_axes) if out_axes != 0 else value


def nested(inner, in_axes, out_axes):
    """vmap of a vmap: both batch axes become one (B1 * B2 examples, the inner ones
    varying fastest), batched once, and are split again in the results."""
    def both(*args, **kwargs):
        outer = _per_argument(in_axes, len(args), inner.fn)
        inside = _per_argument(inner.in_axes, len(args), inner.fn)
        sizes = [None, None]
        parts = []
        for k, (a, o, i) in enumerate(zip(args, outer, inside)):
            if o is not None:
                a, sizes[0] = move_in(a, o, k)
            if i is not None:
                a, sizes[1] = _inner_first(a, i, k, o is not None)
            parts.append((a, o is not None, i is not None))
        if None in sizes:
            raise UsageError("vmap of a vmap: each level needs a batched argument")
        b1, b2 = sizes
        merged, axes = [], []
        for a, o, i in parts:
            if not (o or i):
                merged.append(a)
                axes.append(None)
                continue
            a = np.asarray(a)
            if o and not i:
                a = np.repeat(a, b2, axis=0)
            elif i and not o:
                a = np.broadcast_to(a[None], (b1,) + a.shape).reshape((b1 * b2,) + a.shape[1:])
            else:
                a = a.reshape((b1 * b2,) + a.shape[2:])
            merged.append(a)
            axes.append(0)
        out = inner.apply(merged, kwargs, axes, out_axes=0)
        return _split(out, b1, b2, inner.out_axes, out_axes)
    both.__name__ = f"{inner.__name__}_batched"
    return both


def _inner_first(a, axis, k, outer_first):
    """The inner batch axis (of one outer example) next after the outer one."""
    arr = np.asarray(a)
    shift = 1 if outer_first else 0
    ax = axis + shift if axis >= 0 else arr.ndim + axis
    return np.moveaxis(arr, ax, shift), arr.shape[ax]


def _split(out, b1, b2, inner_axes, outer_axes):
    if isinstance(out, (tuple, list)):
        ia = inner_axes if isinstance(inner_axes, (tuple, list)) else [inner_axes] * len(out)
        oa = outer_axes if isinstance(outer_axes, (tuple, list)) else [outer_axes] * len(out)
        parts = [_split(v, b1, b2, i, o) for v, i, o in zip(out, ia, oa)]
        return type(out)(*parts) if hasattr(out, "_fields") else type(out)(parts)
    v = np.asarray(out).reshape((b1, b2) + np.shape(out)[1:])
    if inner_axes is None or outer_axes is None:
        raise UsageError("vmap of a vmap with out_axes None is not supported",
                         hint="give both levels' results a batch axis")
    v = np.moveaxis(v, 1, inner_axes + 1 if inner_axes >= 0 else inner_axes)
    return np.moveaxis(v, 0, outer_axes) if outer_axes != 0 else v
