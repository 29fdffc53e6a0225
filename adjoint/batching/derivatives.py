"""vmap of the derivatives that derivatives.py assembles in Python: jacobian, hessian,
hessian_vector_product. Each is a loop over basis directions around a generated
function (a gradient, a jvp), so its batched version runs the *batched* generated
function once per direction, or once for all directions at once:

    vmap(jacobian(f))            one batched vector-Jacobian product per output entry
    vmap(jacobian(f, "forward")) one batched jvp, batched over examples x directions
    jacobian(f, "forward")       one jvp batched over the basis directions
"""
from __future__ import annotations

import numpy as np

from ..errors import NotBatchableError
from .api import Batched, _per_argument, move_in, vmap


def _axes(in_axes, args, fn):
    return _per_argument(in_axes, len(args), fn)


def _example_shape(args, axes, index):
    x = np.asarray(args[index])
    if axes[index] is None:
        return x.shape
    return np.delete(np.array(x.shape), axes[index]).tolist()


def _basis(shape, like=None):
    """Unit directions of `shape`, in `like`'s float type (float32 stays float32)."""
    n = int(np.prod(shape)) if shape else 1
    dtype = np.result_type(like, np.float32) if like is not None else np.float64
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.float64
    return np.eye(n, dtype=dtype).reshape((n,) + tuple(shape))


def _finish(out, size, out_axes):
    if out_axes is None:
        raise NotBatchableError("vmap of a derivative with out_axes=None",
                                hint="the derivative differs between examples")
    return np.moveaxis(out, 0, out_axes) if out_axes != 0 else out


def directions(gen, tangent, args, kwargs, axes, shape, size=None, like=None):
    """The jvp `gen` (value, tangent) along every unit direction of `shape` at once:
    batched over examples (`axes`, batch `size`) and directions, merged into one
    batch axis of size * n. Returns the tangents as (size, n, *out) (size None: n,
    *out)."""
    e = _basis(shape, like)
    n = len(e)
    moved = []
    for a, ax in zip(args, axes):
        if ax is None:
            moved.append(a)
        else:  # each example repeated once per direction
            value, _ = move_in(a, ax, 0)
            moved.append(np.repeat(value, n, axis=0))
    merged = [None if ax is None else 0 for ax in axes]
    if size is None:
        tangents = e
    else:  # the directions repeated once per example
        tangents = np.tile(e, (size,) + (1,) * len(shape))
    batched = vmap(gen)
    if not any(ax is not None for ax in merged) and size is not None:
        raise NotBatchableError("no batched argument")
    _, t = batched.apply(list(moved), {**kwargs, tangent: tangents}, merged,
                         {tangent: 0})
    t = _stacked(t)
    return t if size is None else t.reshape((size, n) + t.shape[1:])


def _stacked(t):
    """A batched result as one array, batch axis first (a list or tuple of batched
    values is read as NumPy reads one example of it: its items along axis 1)."""
    if isinstance(t, (list, tuple)):
        return np.stack([_stacked(i) for i in t], axis=1)
    return np.asarray(t)


def _batch_size(args, axes):
    for a, ax in zip(args, axes):
        if ax is not None:
            return move_in(a, ax, 0)[1]
    return None


def _assemble(cols, size, out_shape, in_shape):
    """(size, n, *out) columns -> (size, *out, *in)."""
    moved = np.moveaxis(cols, 1, -1)
    return moved.reshape((size,) + tuple(out_shape) + tuple(in_shape))


# ---- the rules vmap calls (set as .vmap_rule by derivatives.py) -----------------------
def position(fn, wrt) -> int:
    """The position of the differentiated parameter among fn's (a name or a number)."""
    import inspect
    from ..derivatives import _single
    wrt = _single(fn, wrt)
    if isinstance(wrt, int):
        return wrt
    names = list(inspect.signature(fn).parameters)
    return names.index(wrt) if wrt in names else 0


def jacobian_rule(fn, wrt, mode, optimize):
    index = position(fn, wrt)

    def rule(in_axes, out_axes, fallback):
        from ..derivatives import _single, jvp
        from ..api import grad

        def batched_jacobian(*args, **kwargs):
            axes = _axes(in_axes, args, fn)
            size = _batch_size(args, axes)
            in_shape = _example_shape(args, axes, index)
            if mode == "forward":
                fwd = jvp(fn, wrt=_single(fn, wrt), optimize=optimize)
                cols = directions(fwd.generated, fwd.tangents[0], args, kwargs, axes,
                                  in_shape, size, like=np.asarray(args[index]))
                out_shape = cols.shape[2:]
                return _finish(_assemble(cols, size, out_shape, in_shape), size,
                               out_axes)
            vjp = grad(fn, wrt=_single(fn, wrt), optimize=optimize)
            value = vmap(fn, in_axes=in_axes, fallback=fallback)(*args, **kwargs)
            out_shape = np.shape(value)[1:]
            bvjp = vmap(vjp, in_axes=in_axes, fallback=fallback)
            rows = [bvjp.apply(args, {**kwargs, vjp.seed_name: e}, axes)
                    for e in _basis(out_shape)]
            jac = np.stack([np.reshape(r, (size,) + tuple(in_shape)) for r in rows], 1)
            return _finish(jac.reshape((size,) + out_shape + tuple(in_shape)), size,
                           out_axes)
        batched_jacobian.__name__ = f"{getattr(fn, '__name__', 'f')}_jacobian_batched"
        return batched_jacobian
    return rule


def hessian_rule(fn, wrt, optimize):
    index = position(fn, wrt)

    def rule(in_axes, out_axes, fallback):
        from ..derivatives import hessian_vector_product

        def batched_hessian(*args, **kwargs):
            axes = _axes(in_axes, args, fn)
            size = _batch_size(args, axes)
            shape = _example_shape(args, axes, index)
            inner = hessian_vector_product(fn, wrt=wrt, optimize=optimize).jvp
            cols = directions(inner.generated, inner.tangents[0], args, kwargs, axes,
                              shape, size, like=np.asarray(args[index]))
            return _finish(_assemble(cols, size, shape, shape), size, out_axes)
        return batched_hessian
    return rule


def hvp_rule(inner):
    def rule(in_axes, out_axes, fallback):
        def batched_hvp(*args, **kwargs):
            *primal, v = args
            axes = _axes(in_axes, args, inner)
            b = vmap(inner.generated, fallback=fallback)
            out = b.apply(primal, {**kwargs, inner.tangents[0]: v}, axes[:-1],
                          {inner.tangents[0]: axes[-1]} if axes[-1] is not None else {},
                          out_axes=(out_axes, out_axes))
            return out[1]
        return batched_hvp
    return rule


def forward_columns(fwd, args, kwargs, x):
    """The columns of a forward-mode Jacobian from one jvp batched over the basis
    directions, or None when the jvp cannot be batched (the caller loops)."""
    if getattr(fwd, "generated", None) is None:  # (a bound method's jvp)
        return None
    try:
        return directions(fwd.generated, fwd.tangents[0], args, kwargs,
                          [None] * len(args), np.shape(x), like=x)
    except (NotBatchableError, ValueError, TypeError, IndexError):
        return None  # (the batched jvp is only quicker: one jvp per direction then)


__all__ = ["Batched", "forward_columns", "hessian_rule", "hvp_rule", "jacobian_rule"]
