"""Runtime helpers for tuples, lists and dicts (re-exported by `adjoint.runtime`).

The adjoint of a list or tuple is a `GradList`, of a dict a `GradDict`. Adding two
of them adds element-wise (key-wise), never concatenates; the scalar `0.0` (an
adjoint that is still zero) is the neutral element on either side, and nested
containers add recursively. So `bx = bx + c`, `bx += c` and `bx[i] += g` work for
containers exactly as for arrays. Every helper that returns a container adjoint
gives it fresh elements (never views of its input), so the sweep may update them
in place.
"""
from __future__ import annotations

import numpy as np

__all__ = ["GradList", "GradDict", "MISSING", "is_container", "container_zeros",
           "container_getitem_grad", "container_fit", "item", "copy", "item_grad",
           "sum_list_grad", "sum_of", "list_of", "restore", "as_array", "add_at"]


class _Missing:
    """Marks a dict key that did not exist before a write (restored by deleting it)."""

    def __repr__(self):
        return "rt.MISSING"


MISSING = _Missing()


def _is_zero(v) -> bool:
    return type(v) in (float, int) and v == 0


def _add(a, b):
    if type(a) is float and type(b) is float:  # the common case in scalar code
        return a + b
    if _is_zero(a) and not is_container(b):
        return b + 0.0 if b is not None else a  # a new object, never `b` itself
    if _is_zero(b) and not is_container(a):
        return a + 0.0
    if isinstance(a, dict) or isinstance(b, dict):
        a = {} if _is_zero(a) else a
        b = {} if _is_zero(b) else b
        return GradDict({k: _add(a.get(k, 0.0), b.get(k, 0.0))
                         for k in list(a) + [k for k in b if k not in a]})
    if is_container(a) or is_container(b):
        a = [0.0] * len(b) if _is_zero(a) or _emptied(a, b) else a
        b = [0.0] * len(a) if _is_zero(b) or _emptied(b, a) else b
        if len(a) != len(b):
            raise ValueError(f"adding list adjoints of lengths {len(a)} and {len(b)}")
        return GradList(_add(x, y) for x, y in zip(a, b))
    return a + b


def _emptied(a, b) -> bool:
    """An empty list adjoint added to a longer one: the zero adjoint of a stack taken
    while it was empty (a tape a gradient popped, differentiated twice more)."""
    return isinstance(a, list) and not a and isinstance(b, list)


def _neg(x):
    """-x, item by item for containers (keys and strings stay)."""
    if isinstance(x, dict):
        return GradDict({k: _neg(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return GradList(_neg(v) for v in x)
    return x if isinstance(x, str) else -x


class _AddsItemwise:
    """`+` and `-` on an adjoint container work item by item (`_add`), never
    concatenate (the sweeps write `b -= c` for `b += -c`)."""

    def __add__(self, other):
        return _add(self, other)

    def __radd__(self, other):
        return _add(other, self)

    def __sub__(self, other):
        return _add(self, _neg(other))

    def __rsub__(self, other):
        return _add(other, _neg(self))

    def __neg__(self):
        return _neg(self)

    def __isub__(self, other):
        return self.__iadd__(_neg(other))


class GradList(_AddsItemwise, list):
    """The adjoint of a list or tuple: `+` adds element-wise."""

    def __iadd__(self, other):
        total = _add(self, other)
        self[:] = total  # the slots change; the elements are never mutated
        return self

    def __repr__(self):
        return f"GradList({list.__repr__(self)})"


class GradDict(_AddsItemwise, dict):
    """The adjoint of a dict: `+` adds key-wise (a missing key is zero)."""

    def __iadd__(self, other):
        total = _add(self, other)
        self.clear()
        self.update(total)
        return self

    def __repr__(self):
        return f"GradDict({dict.__repr__(self)})"


def is_container(x) -> bool:
    return isinstance(x, (list, tuple, dict))


_RUNTIME = []


def _rt():
    """adjoint.runtime (the helpers for single arrays), imported on first use (the two
    modules import each other) and kept: this runs in the gradients' inner loops."""
    if not _RUNTIME:
        from .. import runtime
        _RUNTIME.append(runtime)
    return _RUNTIME[0]


DICT_VIEWS = (type({}.items()), type({}.keys()), type({}.values()))


def container_zeros(x):
    """A zero adjoint shaped like the container `x` (fresh zeros per element;
    0.0 for entries that are not numbers, arrays or containers, e.g. strings)."""
    if isinstance(x, dict):
        return GradDict({k: 0.0 if type(v) is float else _zero(v) for k, v in x.items()})
    return GradList([0.0 if type(v) is float else _zero(v) for v in x])  # (a dict view:
    # zeros per item, in order)


def _zero(v):
    if type(v) is int:
        return 0.0
    return _rt().zeros_like(v) if isinstance(v, (int, float, list, tuple, dict, np.ndarray,
                                                 np.generic)) else 0.0


def broadcast_container(g, x):
    """`broadcast_like` for containers: each entry of `g` spread to the matching
    entry of `x` (a zero spreads to zeros; a value to every entry of `x`)."""
    spread = _rt().broadcast_like
    if not is_container(x):
        return GradDict(g) if isinstance(g, dict) else GradList(g)
    if _is_zero(g):
        return container_zeros(x)
    if isinstance(g, dict):
        return GradDict({k: spread(v, x[k]) if k in x else v for k, v in g.items()})
    if isinstance(g, (list, tuple)):
        if isinstance(x, dict) or len(g) != len(x):
            return GradList(g)
        return GradList(spread(gi, xi) for gi, xi in zip(g, x))
    items = x.items() if isinstance(x, dict) else enumerate(x)
    out = {k: spread(g, v) for k, v in items}
    return GradDict(out) if isinstance(x, dict) else GradList(out.values())


def container_getitem_grad(g, x, index):
    """Adjoint of `x[index]` for a container: zeros with `g` added at `index`."""
    out = container_zeros(x)
    if type(index) is int and type(g) is float and type(out[index]) is float:
        out[index] = out[index] + g  # the common case first: one number of a tuple
        return out
    if isinstance(index, slice):
        for i, gi in zip(range(*index.indices(len(x))), g):
            out[i] = _add(out[i], gi)
    else:
        out[index] = _add(out[index], g)
    return out


def fit_inner(g, x):
    """`fit` for a gradient a callee's backward function returns to its caller: a
    container stays an adjoint (GradList/GradDict), so the caller adds it item by item
    to another (a plain list would concatenate)."""
    if type(g) is GradList and (type(x) is tuple or type(x) is list) and len(g) == len(x):
        fit = _rt().fit  # (the common case: a tuple of numbers, fitted item by item)
        return GradList([fit(gi, xi) for gi, xi in zip(g, x)])
    out = _rt().fit(g, x)
    if isinstance(out, dict) and not isinstance(out, GradDict):
        return GradDict(out)
    if isinstance(out, (list, tuple)) and not isinstance(out, GradList):
        return GradList(out)
    return out


def container_fit(g, x):
    """A returned gradient: a plain dict/list/tuple shaped like `x` (zeros filled)."""
    fit = _rt().fit
    if isinstance(x, dict):
        return {k: fit(0.0 if _is_zero(g) else g.get(k, 0.0), v) for k, v in x.items()}
    parts = [fit(0.0 if _is_zero(g) else gi, v)
             for gi, v in zip([0.0] * len(x) if _is_zero(g) else g, x)]
    return tuple(parts) if isinstance(x, tuple) else parts


def item(x, index):
    """`x[index]`, copied when it is a view into an array (saved before a write).
    A missing dict key gives `MISSING`."""
    if isinstance(x, dict):
        return x.get(index, MISSING)
    value = x[index]
    return value.copy() if isinstance(value, np.ndarray) else value


def item_grad_saved(g, x, index):
    """Adjoint of `rt.item(x, index)` (an item saved before a write) in x: a key the
    dict did not have was saved as MISSING and takes no gradient."""
    if isinstance(x, dict) and index not in x:
        return container_zeros(x)
    return _rt().getitem_grad(g, x, index)


def restore(x, index, old):
    """Undo a write: put `old` back at `index` (delete a key that was `MISSING`)."""
    if old is MISSING:
        del x[index]
    else:
        x[index] = old


def copy(x):
    """A copy the differentiated code may write into (the caller's object is kept)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (list, dict)):
        return type(x)(x)
    if isinstance(x, tuple):  # an incoming gradient given as a tuple (a returned tape)
        return GradList(x)
    return x


def item_grad(g, index, v):
    """The adjoint of `v` in `y[index] = v`: `g[index]` copied, summed to `v`'s shape."""
    if type(index) is int and type(g) is np.ndarray and g.ndim == 1 \
            and type(v) in (float, int, np.float64):
        return g[index]  # the common case first: one element of a vector, for a number
    if _is_zero(g):
        return 0.0
    if isinstance(g, (list, tuple, dict)):
        return g[index] if not isinstance(g, dict) else g.get(index, 0.0)
    part = g[index]
    dropped = _overwritten(index, np.shape(g))
    if dropped is not None:  # y[[0, 0, 2]] = v: NumPy keeps the last write to 0
        part = np.array(part, dtype=float)
        part[dropped] = 0.0
    part = _rt().unbroadcast(part, v)
    return part.copy() if isinstance(part, np.ndarray) else part


def last_writes(v, index, y):
    """`v` (shaped like `y[index]`, or broadcast to it) with the entries a later write
    of `y[index] = ...` replaces set to zero; `v` itself when no element repeats."""
    dropped = _overwritten(index, np.shape(y))
    if dropped is None:
        return v
    out = np.array(np.broadcast_to(v, np.shape(np.zeros(np.shape(y))[index])), dtype=float)
    out[dropped] = 0.0
    return out


def _overwritten(index, shape):
    """For an integer-array index naming some element twice: a mask of the positions
    whose write a later one replaces. None otherwise (the common case)."""
    parts = index if isinstance(index, tuple) else (index,)
    if not parts or not all(isinstance(p, (list, np.ndarray)) for p in parts):
        return None
    parts = [np.asarray(p) for p in parts]
    if any(p.dtype.kind not in "iu" for p in parts) or len(parts) > len(shape):
        return None
    parts = np.broadcast_arrays(*parts)
    flat = np.ravel_multi_index(tuple(p % n for p, n in zip(parts, shape)),
                                shape[:len(parts)]).ravel()
    if len(np.unique(flat)) == flat.size:
        return None
    _, last_reversed = np.unique(flat[::-1], return_index=True)
    keep = np.zeros(flat.size, dtype=bool)
    keep[flat.size - 1 - last_reversed] = True
    return ~keep.reshape(parts[0].shape)


def sum_list_grad(g, xs):
    """Adjoint of the builtin `sum(xs)`: `g` for every element (summed to its shape)."""
    unbroadcast = _rt().unbroadcast
    if isinstance(xs, np.ndarray):
        return np.array(np.broadcast_to(g, np.shape(xs)))
    return GradList(np.array(unbroadcast(g, x)) if np.ndim(x) else unbroadcast(g, x)
                    for x in xs)


def list_of(pieces):
    """A `GradList` of fresh copies of `pieces` (e.g. views into one array)."""
    return GradList(p.copy() if isinstance(p, np.ndarray) else p for p in pieces)


def sum_of(g, like):
    """The adjoint of `sum_list_grad` in its first argument: the total of `g`,
    shaped like `like` (the inverse spread)."""
    total = 0.0
    for gi in (g if is_container(g) else [g]):
        total = total + gi
    return _rt().unbroadcast(total, like)


def as_array(x):
    """A new array from `x`, stacking a list of tangents (forward mode of np.array)."""
    return np.array(x) if not isinstance(x, (list, tuple)) else np.array(list(x))


def add_at(b, index, g):
    """Add `g` into the adjoint `b` at `index` in place: np.add.at for arrays (an
    index may repeat an element), one slot for a list or dict adjoint."""
    if isinstance(b, (list, dict)):
        b[index] = _add(b[index] if not isinstance(b, dict) else b.get(index, 0.0), g)
    elif _basic(index):  # no element can repeat: a plain in-place add (10x faster)
        b[index] += g
    else:
        np.add.at(b, index, g)


def add_item(b, g, x, index):
    """`b + getitem_grad(g, x, index)` for an adjoint `b` the sweep owns: written into
    b when it is an array, list or dict; a zero b that is still a number gives the
    new array (no full-size array of zeros per element read)."""
    if type(b) in _rt().NUMBERS:
        part = _rt().getitem_grad(g, x, index)
        return part if not b else b + part
    add_at(b, index, g)
    return b


def _basic(index) -> bool:
    """An index of ints and slices only (each element named at most once)."""
    kind = type(index)
    if kind is int or kind is slice or isinstance(index, np.integer):
        return True
    return kind is tuple and all(type(i) is int or type(i) is slice
                                 or isinstance(i, np.integer) for i in index)
