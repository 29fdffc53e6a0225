"""Indexing (`x[i]`, `y[i] = v`) and array attributes (`x.T`, `x.shape`).

A batched array keeps its batch axis in front of the index (`x[:, i]`); an index
that differs between examples picks, per example, with the batch's positions
(`x[_ar, i]`, `_ar = np.arange(_B)`); lists and tuples are indexed as they are.

    p = Xc[0:2]          # Xc batched
    p = Xc[:, 0:2]
    v = table[k]         # table unbatched, k one index per example
    v = table[k]         # (NumPy's own gather: one row per example)
"""
from __future__ import annotations

import gast

from ...codegen import ir
from .. import build
from ..facts import UNKNOWN, Fact, join
from ..sites import NO
from . import Policy, policy

NEWAXIS, ELLIPSIS = "newaxis", "ellipsis"


def part_kind(o) -> str:
    """slice | newaxis | ellipsis | int (one position) | array (int array) | mask"""
    if o.fact.kind == "slice":
        return "slice"
    if isinstance(o.node, gast.Constant):
        if o.node.value is None:
            return NEWAXIS
        if o.node.value is Ellipsis:
            return ELLIPSIS
        return "int"
    if o.fact.kind != "array" or o.fact.rank is None:
        return "unknown"
    if o.fact.dtype == "b":
        return "mask"
    return "int" if o.fact.rank == 0 else "array"


def index_rank(rank, parts):
    """The rank of `x[parts]` for x of `rank` (None when not known)."""
    if rank is None:
        return None
    kinds = [part_kind(p) for p in parts]
    if "unknown" in kinds:
        return None
    consumed = sum(1 for k in kinds if k in ("slice", "int", "array")) + \
        sum(p.fact.rank for p, k in zip(parts, kinds) if k == "mask")
    kept = kinds.count("slice") + kinds.count(NEWAXIS)
    adv = [p.fact.rank for p, k in zip(parts, kinds) if k == "array"] + \
        [1 for k in kinds if k == "mask"]
    return rank - consumed + kept + (max(adv) if adv else 0)


def separated(parts) -> bool:
    """Whether the advanced parts (arrays, and ints beside them) are not next to each
    other: NumPy then puts their dimensions first."""
    kinds = [part_kind(p) for p in parts]
    if not any(k in ("array", "mask") for k in kinds):
        return False
    where = [i for i, k in enumerate(kinds) if k in ("array", "mask", "int")]
    return where != list(range(where[0], where[-1] + 1))


@policy("getitem")
class GetItem(Policy):
    def fact(self, site):
        x = site.op("x").fact
        parts = _parts(site)
        batched = x.batched or any(p.fact.batched for p in parts)
        if x.kind in ("tuple", "list", "dict"):
            return _item_fact(x, parts)
        if x.kind != "array":
            return Fact(batched=batched, rank=None, kind="other")
        return Fact(batched=batched, rank=index_rank(x.rank, parts),
                    dtype=x.dtype)

    def emit(self, site, em):
        x = site.op("x")
        parts = _parts(site)
        if x.fact.kind in ("tuple", "list", "dict"):
            if any(p.fact.batched for p in parts):
                em.refuse("indexing a list or tuple with a position that differs between "
                          "examples", "make it an array (np.stack) and index that")
            return ir.clone(site.node)
        if site.form != "subscript":  # operator.getitem(x, index): an index value
            return build.helper("getitem", x.node, site.op("index").node,
                                batched=_flags(x, parts))
        return read(x, parts, site.node.slice, em)


def _parts(site):
    if site.form == "subscript":
        return site.index
    index = site.op("index")
    return [index] if index is not None else []


def _item_fact(x, parts):
    if len(parts) != 1:
        return UNKNOWN
    p = parts[0]
    if x.kind == "dict":
        if x.keys is not None and isinstance(p.static, str):
            return dict(x.keys).get(p.static, UNKNOWN)
        out = None
        for _, f in x.keys or ():
            out = join(out, f)
        return out or UNKNOWN
    if p.fact.kind == "slice":
        return x if x.items is None else Fact(batched=x.batched, rank=None, kind=x.kind,
                                              elem=x.elem)
    if x.items is not None and isinstance(p.static, int) and -len(x.items) <= p.static \
            < len(x.items):
        return x.items[p.static]
    return x.elem or UNKNOWN


def read(x, parts, index, em):
    """The batched `x[index]`: `x[:, index]` when only x is batched, `x[_ar, i]` when
    positions are batched integers, else `batched.getitem` (any index)."""
    kinds = [part_kind(p) for p in parts]
    if not any(p.fact.batched for p in parts) and not separated(parts) \
            and "unknown" not in kinds:
        return gast.Subscript(value=x.node, slice=build.batch_index(index), ctx=gast.Load())
    if all(k in ("int", "array") for k in kinds) and any(p.fact.batched for p in parts):
        return gather(x, parts, em)
    return build.helper("getitem", x.node, index_value(index), batched=_flags(x, parts))


def gather(x, parts, em):
    """`x[i, j]` where some positions differ between examples and every part is an
    integer or an integer array (advanced indexing): the batch picked by `_ar`."""
    adv = max(p.fact.rank for p in parts)
    elts = [build.expand(p.node, adv - p.fact.rank) if p.fact.batched else p.node
            for p in parts]
    if x.fact.batched:
        elts = [build.expand(em.arange(), adv)] + elts
    return gast.Subscript(value=x.node, slice=build.tuple_of(elts) if len(elts) > 1
                          else elts[0], ctx=gast.Load())


def index_value(index):
    """An index as a value: `np.s_[1:3, None]` when it has slices."""
    from ...codegen.template import as_value, _has_slice
    return as_value(ir.clone(index)) if _has_slice(index) else ir.clone(index)


def _flags(x, parts):
    return build.lit((int(x.fact.batched),) + tuple(int(p.fact.batched) for p in parts))


def write_target(y, parts, index, em):
    """The target of `y[index] = v` for a batched `y`."""
    kinds = [part_kind(p) for p in parts]
    if not any(p.fact.batched for p in parts) and not separated(parts) \
            and "unknown" not in kinds:
        return gast.Subscript(value=y.node, slice=build.batch_index(index), ctx=gast.Store())
    if all(k in ("int", "array") for k in kinds):
        target = gather(y, parts, em)
    else:
        picks = build.helper("index", y.node, index_value(index), batched=_flags(y, parts))
        target = gast.Subscript(value=y.node, slice=picks, ctx=gast.Load())
    target.ctx = gast.Store()
    return target


# ---- attributes ----------------------------------------------------------------------
@policy("attribute")
class Attribute(Policy):
    def fact(self, site):
        x = site.op("self").fact
        attr = site.node.attr
        r = x.rank if x.kind == "array" else None
        if attr == "shape":
            items = None if r is None else (Fact(dtype="i"),) * r
            return Fact(rank=None, kind="tuple", items=items, elem=Fact(dtype="i"))
        if attr in ("ndim", "size", "itemsize", "nbytes"):
            return Fact(dtype="i")
        if attr == "T":
            return Fact(batched=x.batched, rank=r, dtype=x.dtype)
        if attr in ("real", "imag"):
            return Fact(batched=x.batched, rank=r)
        return Fact(rank=None, kind="other")

    def emit(self, site, em):
        x = site.op("self")
        attr = site.node.attr
        r = x.fact.rank
        if attr == "shape":
            return build.code("x.shape[1:]", x=x.node)
        if attr == "ndim":
            return build.code("x.ndim - 1", x=x.node)
        if attr == "size":
            return build.helper("size", x.node)
        if attr == "dtype":
            return ir.clone(site.node)
        if attr in ("real", "imag"):
            return ir.clone(site.node)
        if attr == "T":
            if r is None:
                return build.helper("transpose", x.node)
            if r <= 1:
                return x.node
            if r == 2:
                return build.code("np.swapaxes(x, 1, 2)", x=x.node)
            return build.code("np.transpose(x, axes)", x=x.node,
                              axes=build.lit((0,) + tuple(range(r, 0, -1))))
        em.refuse(f"the attribute .{attr} of a batched value", "")


def static(o):
    return None if o.static is NO else o.static


@policy("shape_of")
class ShapeOf(Policy):
    """np.shape(x), np.ndim(x), np.size(x): of one example (the same for all)."""

    def fact(self, site):
        x = site.operands[0].fact
        what = site.option("what")
        if what == "shape":
            r = x.rank if x.kind == "array" else None
            items = None if r is None else (Fact(dtype="i"),) * r
            return Fact(rank=None, kind="tuple", items=items, elem=Fact(dtype="i"))
        return Fact(dtype="i")

    def emit(self, site, em):
        x = site.operands[0].node
        what = site.option("what")
        if what == "shape":
            return build.code("np.shape(x)[1:]", x=x)
        if what == "ndim":
            return build.code("np.ndim(x) - 1", x=x)
        return build.helper("size", x)
