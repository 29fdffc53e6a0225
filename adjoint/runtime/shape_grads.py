"""Runtime helpers behind the shape and joining rules.

Each helper is pure and linear in `g`; the other arguments give only shapes.
Helpers for functions of a *list* of arrays return a `GradList` with one adjoint
each (fresh arrays, so the sweep may accumulate into them).
"""
from __future__ import annotations

import numpy as np

from ..errors import NoGradientRuleError
from .grad_containers import list_of, scatter_add
from .kinds import like_of, zeros


def star_axes(axes):
    """`x.transpose(*axes)` takes `()`, `(1, 0)` or `((1, 0),)`: the axes or None."""
    if len(axes) == 0 or axes == (None,):
        return None
    return axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes


def _pieces(g, shapes, axis):
    """Split `g` along `axis` into pieces of the given sizes, reshaped to `shapes`."""
    sizes = [s[axis] if len(s) else 1 for s in shapes]
    ends = np.cumsum(sizes).tolist()
    lead = (slice(None),) * (axis % np.ndim(g))  # (slices, not np.split: Dask has none)
    return [np.reshape(g[lead + (slice(end - n, end),)], s)
            for n, end, s in zip(sizes, ends, shapes)]


def concatenate_grad(g, arrays, axis=0):
    """Adjoint of `np.concatenate(arrays, axis)`: one slice of `g` per array."""
    if axis is None:
        shapes = [np.shape(a) for a in arrays]
        flat = _pieces(np.ravel(g), [(int(np.prod(s)),) for s in shapes], 0)
        return list_of(np.reshape(p, s) for p, s in zip(flat, shapes))
    return list_of(_pieces(g, [np.shape(a) for a in arrays], axis))


def unstack(g, axis=0, n=None):
    """Adjoint of `np.stack(arrays, axis)`: the `n` slices of `g` along `axis`."""
    return list_of(np.take(g, i, axis=axis) for i in range(np.shape(g)[axis]))


def vstack_grad(g, tup):
    shapes = [np.shape(np.atleast_2d(t)) for t in tup]
    return list_of(np.reshape(p, np.shape(t)) for p, t in zip(_pieces(g, shapes, 0), tup))


def hstack_grad(g, tup):
    shapes = [np.shape(np.atleast_1d(t)) for t in tup]
    axis = 0 if len(shapes[0]) == 1 else 1
    return list_of(np.reshape(p, np.shape(t))
                   for p, t in zip(_pieces(g, shapes, axis), tup))


def split_grad(g, ary, indices_or_sections, axis=0):
    """Adjoint of `np.split`/`np.array_split`: join the pieces' adjoints.

    A piece nothing used has the adjoint None or 0.0; it contributes zeros.
    """
    pieces = np.array_split(np.zeros(np.shape(ary)), indices_or_sections, axis=axis)
    like = next((like_of(gi) for gi in g if like_of(gi) is not None), like_of(ary))
    parts = [zeros(p.shape, p.dtype, like) if gi is None or np.ndim(gi) == 0 and gi == 0
             else np.broadcast_to(gi, np.shape(p)) for gi, p in zip(g, pieces)]
    return np.concatenate(parts, axis=axis)


def tile_grad(g, a, reps):
    """Adjoint of `np.tile(a, reps)`: sum the copies."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = np.shape(a)
    nd = max(len(shape), len(reps))
    shape1 = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    gr = np.reshape(g, [n for pair in zip(reps, shape1) for n in pair])
    return np.reshape(np.sum(gr, axis=tuple(range(0, 2 * nd, 2))), shape)


def repeat_grad(g, a, repeats, axis=None):
    """Adjoint of `np.repeat(a, repeats, axis)`: sum each element's copies."""
    n = np.size(a) if axis is None else np.shape(a)[axis]
    owner = np.repeat(np.arange(n), repeats)
    ax = 0 if axis is None else axis
    gm = np.moveaxis(np.asarray(g) if like_of(g) is None else g, ax, 0)
    out = zeros((n,) + gm.shape[1:], np.result_type(g, 1.0), like_of(gm))
    scatter_add(out, owner, gm)
    out = np.moveaxis(out, 0, ax)
    return np.reshape(out, np.shape(a))


def pad_grad(g, array, pad_width, mode="constant"):
    """Adjoint of `np.pad(array, pad_width, mode)`: the inner block (constant mode);
    in a mode that copies elements (edge, reflect, symmetric, wrap) the padded borders
    are folded back onto the elements they copy."""
    shape = np.shape(array)
    if mode == "constant":
        nd = len(shape)
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (nd, 2))
        index = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, shape))
        return (np.asarray(g) if like_of(g) is None else g)[index]
    if mode not in _COPY_MODES:
        raise NoGradientRuleError(
            f"no gradient rule for np.pad with mode={mode!r} (only 'constant', "
            f"{', '.join(map(repr, _COPY_MODES))})",
            hint="build the border with np.concatenate of slices of the array, or use "
                 "adjoint.jvp (forward mode)")
    size = int(np.prod(shape, dtype=int))
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode=mode)
    if like_of(g) is not None:  # (np.bincount is NumPy's alone)
        out = zeros((size,), np.result_type(g, 1.0), like_of(g))
        scatter_add(out, source.ravel(), np.ravel(g))
        return out.reshape(shape)
    g = np.asarray(g)
    out = np.bincount(source.ravel(), weights=g.ravel(), minlength=size)
    return out.reshape(shape).astype(np.result_type(g, 1.0), copy=False)


_COPY_MODES = ("edge", "reflect", "symmetric", "wrap")


def _sort_index(a, axis):
    return np.argsort(a, axis=axis, kind="stable")


def sort_grad(g, a, axis=-1):
    """Adjoint of `np.sort(a, axis)`: send each adjoint back to its element."""
    idx = _sort_index(a, axis)
    out = zeros((np.size(a),) if axis is None else np.shape(a), np.result_type(g, 1.0),
                like_of(a))
    np.put_along_axis(out, idx, g, axis=axis if axis is not None else 0)
    return np.reshape(out, np.shape(a))


def sort_jvp(da, a, axis=-1):
    return np.take_along_axis(np.ravel(da) if axis is None else da,
                              _sort_index(a, axis), axis=axis if axis is not None else 0)


def diff_grad(g, a, n=1, axis=-1):
    """Adjoint of `np.diff(a, n, axis)`."""
    widths = [(0, 0)] * np.ndim(g)
    widths[axis] = (1, 1)
    for _ in range(n):
        g = -np.diff(np.pad(g, widths), axis=axis)
    return g
