"""The batching runtime's basics: lifting a value to the batch, one example of it,
lining values up, axes, and the steps whose ranks are known only when running."""
from __future__ import annotations

import numpy as np

from ...runtime import Shape, shape_of


# ---- lifting and aligning ---------------------------------------------------------
def lift(x, size, rank=None):
    """An unbatched value as a read-only batch of `size` copies (a view), with axes of
    length 1 in front when it has fewer than `rank` dimensions."""
    if x is None or isinstance(x, str):
        return x
    if rank is not None and np.ndim(x) < rank:
        x = np.reshape(x, (1,) * (rank - np.ndim(x)) + np.shape(x))
    if type(x) is Shape:
        out = Shape((size,) + tuple(x))
        out.dtype = x.dtype
        return out
    if isinstance(x, (list, tuple)):
        return type(x)(lift(v, size) for v in x)
    x = np.asarray(x)
    return np.broadcast_to(x, (size,) + x.shape)


def lift_copy(x, size, rank=None):
    """An unbatched value as a writable batch (where a variable becomes batched: before
    a loop, at the end of a branch, before a write); a number standing for an array
    of `rank` dimensions gets axes of length 1."""
    if x is None:
        return None
    if type(x) is Shape:
        return lift(x, size)
    x = np.asarray(x)
    if rank is not None and x.ndim < rank:
        x = x.reshape((1,) * (rank - x.ndim) + x.shape)
    return np.array(np.broadcast_to(x, (size,) + x.shape))


def example(x, batched=True):
    """One example of a batched value, for a helper that reads only its shape and
    type (a saved Shape loses its batch axis); `batched`: a container's flags."""
    if not batched:
        return x
    if type(x) is Shape:
        out = Shape(tuple(x)[1:])
        out.dtype = x.dtype
        return out
    if isinstance(x, (list, tuple)):
        flags = batched if isinstance(batched, tuple) else (True,) * len(x)
        return type(x)(example(v, b) for v, b in zip(x, flags))
    x = np.asarray(x)
    return x[0] if len(x) else np.zeros(x.shape[1:], x.dtype)


def batch_size(x):
    """The batch size of a batched value (an array, or a container of them)."""
    if isinstance(x, dict):
        return batch_size(next(iter(x.values())))
    if isinstance(x, (list, tuple)):
        return batch_size(x[0])
    return len(x)


def _ndim(x, batched):
    return len(shape_of(x)) - (1 if batched else 0)


def aligned(values, batched):
    """The values with axes of length 1 after the batch axis of the batched ones, so
    that all have as many dimensions per example as the largest."""
    rank = max(_ndim(v, b) for v, b in zip(values, batched))
    return tuple(_expand(v, rank - _ndim(v, b)) if b else v for v, b in zip(values, batched))


def _expand(v, k):
    return v.reshape(v.shape[:1] + (1,) * k + v.shape[1:]) if k > 0 else v


def array(x, batched=1):
    """np.array of a (nested) list whose items are batched or not (`batched`: the
    nested flags): one example's array, for every example, along axis 1 on."""
    out, _ = _array(x, batched)
    return out


def _array(x, flags):
    if not isinstance(x, (list, tuple)) or type(x) is Shape:
        return (np.asarray(x), bool(flags)) if not isinstance(flags, tuple) else \
            (np.asarray(x), any(flags))
    flags = flags if isinstance(flags, tuple) else (flags,) * len(x)
    parts = [_array(v, f) for v, f in zip(x, flags)]
    if not any(b for _, b in parts):
        return np.array([p for p, _ in parts]), False
    size = next(len(p) for p, b in parts if b)
    return np.stack([p if b else lift(p, size) for p, b in parts], axis=1), True


def stack(items, axis=0, batched=True):
    """np.stack of a list whose items are batched (`batched`: one flag per item, or one
    for all), along `axis` of one example."""
    flags = batched if isinstance(batched, tuple) else (batched,) * len(items)
    size = next(len(v) for v, b in zip(items, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(items, flags)]
    return np.stack(parts, axis + 1 if axis >= 0 else axis)


def concatenate(arrays, axis=0, batched=True):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(arrays)
    size = next(len(v) for v, b in zip(arrays, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(arrays, flags)]
    if axis is None:
        return np.concatenate([p.reshape(size, -1) for p in parts], axis=1)
    return np.concatenate(parts, axis + 1 if axis >= 0 else axis)


def vstack(tup, batched=True):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(tup)
    size = next(len(v) for v, b in zip(tup, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(tup, flags)]
    parts = [p.reshape((size,) + (1,) * (2 - p.ndim + 1) + p.shape[1:]) if p.ndim < 3
             else p for p in parts]
    return np.concatenate(parts, axis=1)


def hstack(tup, batched=True):
    flags = batched if isinstance(batched, tuple) else (batched,) * len(tup)
    size = next(len(v) for v, b in zip(tup, flags) if b)
    parts = [np.asarray(v) if b else lift(v, size) for v, b in zip(tup, flags)]
    parts = [p.reshape(size, 1) if p.ndim == 1 else p for p in parts]
    return np.concatenate(parts, axis=1 if parts[0].ndim == 2 else 2)


# ---- axes and shapes ----------------------------------------------------------------
def shift_axes(axis, x=None):
    """An axis argument of one example as one of the batch (None: every axis of one
    example of `x`)."""
    if axis is None:
        return rest_axes(x)
    if isinstance(axis, (tuple, list)):
        return tuple(a + 1 if a >= 0 else a for a in axis)
    return axis + 1 if axis >= 0 else axis


def rest_axes(x):
    """Every axis of one example: (1, ..., ndim - 1)."""
    return tuple(range(1, np.ndim(x)))


def batch_shape(size, shape):
    return (size,) + ((shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))


def size(x):
    """The number of entries of one example."""
    shape = shape_of(x)
    out = 1
    for n in shape[1:]:
        out *= n
    return out


def transpose(x, axes=None):
    nd = np.ndim(x)
    if axes is None:
        return np.transpose(x, (0,) + tuple(range(nd - 1, 0, -1)))
    return np.transpose(x, (0,) + tuple(a + 1 if a >= 0 else a + nd for a in axes))


# ---- products with ranks known only when running ---------------------------------------
def matmul(a, b, batched):
    ba, bb = batched
    ra, rb = _ndim(a, ba), _ndim(b, bb)
    if ra == 1 and ba:
        a = a[:, None, :]
    if rb == 1 and bb:
        b = b[..., None]
    out = np.matmul(*aligned((a, b), (ba, bb)) if ra > 1 and rb > 1 else (a, b))
    if rb == 1 and bb:
        out = out[..., 0]
    if ra == 1 and ba:
        out = out[..., 0, :] if out.ndim > 1 else out
    return out


def dot(a, b, batched):
    ra, rb = _ndim(a, batched[0]), _ndim(b, batched[1])
    if ra == 0 or rb == 0:
        x, y = aligned((a, b), batched)
        return x * y
    if ra <= 2 and rb <= 2:
        return matmul(a, b, batched)
    a = a if batched[0] else lift(a, len(b))
    b = b if batched[1] else lift(b, len(a))
    return np.stack([np.dot(x, y) for x, y in zip(a, b)])


def loop(fn, *args, batched, **kwargs):
    """fn once per example (vmap's fallback="loop" for a function without a batching
    rule), the results stacked."""
    size = next(len(a) for a, b in zip(args, batched) if b)
    out = [fn(*[a[k] if b else a for a, b in zip(args, batched)], **kwargs)
           for k in range(size)]
    if isinstance(out[0], tuple):
        return tuple(np.stack(parts) for parts in zip(*out))
    return np.stack(out)
