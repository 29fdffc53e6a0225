"""Runtime helpers behind the rules of tensor products: np.tensordot, np.inner,
np.einsum and np.kron. Each helper is pure and linear in `g`.
"""
from __future__ import annotations

import numpy as np

from .core import unbroadcast
from .kinds import constant, like_of


# ---- products ----------------------------------------------------------------------
def _td_axes(axes, a_nd):
    if isinstance(axes, int):
        return list(range(a_nd - axes, a_nd)), list(range(axes))
    aa, bb = axes
    aa = [aa] if isinstance(aa, int) else list(aa)
    bb = [bb] if isinstance(bb, int) else list(bb)
    return aa, bb


def tensordot_ga(g, a, b, axes=2):
    aa, bb = _td_axes(axes, np.ndim(a))
    aa, bb = [i % np.ndim(a) for i in aa], [i % np.ndim(b) for i in bb]
    a_free = [i for i in range(np.ndim(a)) if i not in aa]
    b_free = [i for i in range(np.ndim(b)) if i not in bb]
    g_b = list(range(len(a_free), np.ndim(g)))
    res = np.tensordot(g, b, axes=(g_b, b_free))
    perm = a_free + [aa[bb.index(k)] for k in sorted(bb)]
    return np.transpose(res, np.argsort(perm).tolist())


def tensordot_gb(g, a, b, axes=2):
    aa, bb = _td_axes(axes, np.ndim(a))
    aa, bb = [i % np.ndim(a) for i in aa], [i % np.ndim(b) for i in bb]
    a_free = [i for i in range(np.ndim(a)) if i not in aa]
    b_free = [i for i in range(np.ndim(b)) if i not in bb]
    res = np.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    perm = [bb[aa.index(k)] for k in sorted(aa)] + b_free
    return np.transpose(res, np.argsort(perm).tolist())


def inner_ga(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    nb = np.ndim(b) - 1
    return np.tensordot(g, b, axes=(list(range(np.ndim(g) - nb, np.ndim(g))),
                                    list(range(nb))))


def inner_gb(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    na = np.ndim(a) - 1
    return np.tensordot(g, a, axes=(list(range(na)), list(range(na))))


def _explicit(subscripts, ops):
    """`subscripts` with each '...' spelled out in letters of its own (the ellipsis
    dimensions of all operands aligned on the right, as NumPy does)."""
    spec = subscripts.replace(" ", "")
    if "..." not in spec:
        return spec
    ins, arrow, out = spec.partition("->")
    ins = ins.split(",")
    counts = [np.ndim(op) - len(s.replace("...", "")) if "..." in s else 0
              for s, op in zip(ins, ops)]
    width = max(counts)
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if c not in spec][:width]
    sizes = {}
    for s, op, k in zip(ins, ops, counts):
        lead = np.shape(op)[s.index("..."):s.index("...") + k] if "..." in s else ()
        for c, n in zip(free[width - k:], lead):
            if sizes.setdefault(c, n) != n:
                raise NotImplementedError(
                    "the gradient of einsum with '...' dimensions that broadcast "
                    f"({subscripts!r}) is not supported: make them equal (np.broadcast_to)")
    ins = [s.replace("...", "".join(free[width - k:])) for s, k in zip(ins, counts)]
    if arrow:
        out = out.replace("...", "".join(free))
    else:  # implicit output: the ellipsis first, then the letters used once
        letters = "".join(s for s in ins)
        out = "".join(free) + "".join(sorted(c for c in set(letters)
                                             if letters.count(c) == 1 and c not in free))
    return ",".join(ins) + "->" + out


def _einsum_parts(subscripts, n):
    spec = subscripts.replace(" ", "")
    ins, _, out = spec.partition("->")
    ins = ins.split(",")
    if "->" not in spec:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(ins) != n:
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, got {n}")
    return ins, out


def einsum_ops(subscripts, *ops):
    """`np.einsum(subscripts, *ops)` with the unused (None) operands dropped."""
    return np.einsum(subscripts, *[op for op in ops if op is not None])


def _einsum_grad(g, subscripts, i, ops):
    """Adjoint of `np.einsum(subscripts, *ops)` with respect to operand `i`."""
    ops = [op for op in ops if op is not None]
    ins, out = _einsum_parts(_explicit(subscripts, ops), len(ops))
    mine = ins[i]
    uniq = "".join(dict.fromkeys(mine))  # a repeated index ("ii") reads a diagonal
    others = [s for j, s in enumerate(ins) if j != i]
    have = set(out).union(*others)
    target = "".join(c for c in uniq if c in have)
    res = np.einsum(",".join([out] + others) + "->" + target, g,
                    *[op for j, op in enumerate(ops) if j != i])
    missing = tuple(k for k, c in enumerate(uniq) if c not in have)
    if missing:
        res = np.expand_dims(res, missing)
    like = like_of(ops[i])
    if like is not None and like_of(res) is None:  # (g was a number)
        res = constant(res, like)
    if uniq == mine:
        return np.broadcast_to(res, np.shape(ops[i]))
    if like_of(res) is not None:
        return _on_diagonal(res, mine, np.shape(ops[i]))
    grad = np.zeros(np.shape(ops[i]), dtype=np.result_type(res, 1.0))
    np.einsum(mine + "->" + uniq, grad)[...] = res  # a writable view of the diagonal
    return grad


def _on_diagonal(res, mine, shape):
    """`res` (indexed by the distinct letters of `mine`) placed on the diagonal that
    `mine` names, with no write through a view (a Dask array has none): each repeat
    of a letter becomes a new letter tied to the first by an identity matrix."""
    letters = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   if c not in mine)
    out, ties, eyes = "", [], []
    for c, n in zip(mine, shape):
        if c in out:  # a repeat of c
            new = next(letters)
            ties.append(c + new)
            eyes.append(constant(np.eye(n), like_of(res), np.result_type(res, 1.0)))
            out += new
        else:
            out += c
    uniq = "".join(dict.fromkeys(mine))
    return np.einsum(",".join([uniq] + ties) + "->" + out, res, *eyes)


def einsum_ga(g, subscripts, a, b=None, c=None, d=None):
    """Adjoint of `np.einsum(subscripts, a, b, c, d)` in `a` (one helper per operand,
    so each helper's own rule knows statically which operand it is)."""
    return _einsum_grad(g, subscripts, 0, (a, b, c, d))


def einsum_gb(g, subscripts, a, b, c=None, d=None):
    return _einsum_grad(g, subscripts, 1, (a, b, c, d))


def einsum_gc(g, subscripts, a, b, c, d=None):
    return _einsum_grad(g, subscripts, 2, (a, b, c, d))


def einsum_gd(g, subscripts, a, b, c, d):
    return _einsum_grad(g, subscripts, 3, (a, b, c, d))


def _kron_split(g, a, b):
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    gr = np.reshape(g, [s for pair in zip(sa, sb) for s in pair])
    return gr, sa, sb, nd


def kron_ga(g, a, b):
    gr, sa, sb, nd = _kron_split(g, a, b)
    bb = np.reshape(b, [s for n in sb for s in (1, n)])
    return np.reshape(np.sum(gr * bb, axis=tuple(range(1, 2 * nd, 2))), np.shape(a))


def kron_gb(g, a, b):
    gr, sa, sb, nd = _kron_split(g, a, b)
    aa = np.reshape(a, [s for n in sa for s in (n, 1)])
    return np.reshape(np.sum(gr * aa, axis=tuple(range(0, 2 * nd, 2))), np.shape(b))
