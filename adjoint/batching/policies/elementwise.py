"""Elementwise primitives: the code is the same, the operands are aligned.

NumPy broadcasts from the right, so a batched operand of lower rank than the result
gets axes of length 1 after its batch axis (`c[:, None]`); unbatched operands are
left as they are. A `template` option writes the call differently (`math.sin(x)` ->
`np.sin(x)`; the math module only takes numbers).

    y = x * c          # x: batched rank 1, c: batched rank 0
    y = x * c[:, None]
"""
from __future__ import annotations

import operator

import gast

from .. import build
from ..facts import Fact
from . import Policy, policy, rebuild

# parameters that are options, not values broadcast together
NON_DATA = {"dtype", "out", "order", "casting", "subok", "copy", "where", "like",
            "signature", "extobj"}
DIVISIONS = {operator.truediv}


def data_operands(site):
    names = site.option("data")
    if names is not None:
        return [o for o in site.operands if o.param in names]
    return [o for o in site.operands if o.param not in NON_DATA
            and o.fact.kind not in ("none", "str")]


def result_fact(operands, dtype=None) -> Fact:
    """Batched if any operand is; the largest rank (None if one is not known)."""
    ranks, batched, kinds = [], False, []
    for o in operands:
        f = o.fact
        batched = batched or f.batched
        ranks.append(array_rank(f))
        kinds.append(f.dtype)
    rank = None if None in ranks else max(ranks, default=0)
    if dtype is None:
        dtype = "f" if "f" in kinds else "i" if kinds and set(kinds) <= {"i", "b"} else "?"
    number = all(o.fact.number for o in operands) and bool(operands)
    return Fact(batched=batched, rank=rank, dtype=dtype, number=number)


def array_rank(f: Fact):
    """The rank NumPy reads a value with: a list of numbers is a vector."""
    if f.kind == "array":
        return f.rank
    if f.kind in ("list", "tuple") and f.items is not None and f.items:
        inner = {array_rank(i) for i in f.items}
        return 1 + inner.pop() if len(inner) == 1 and None not in inner else None
    return None


def aligned(operands, rank, em) -> dict:
    """param -> the operand with axes of length 1 inserted after its batch axis, so
    that it lines up with values of `rank` dimensions per example."""
    new = {}
    for o in operands:
        if not o.fact.batched:
            continue
        node = o.node
        if o.fact.kind in ("list", "tuple"):  # a list of batched values NumPy reads
            from .helpers import flag
            node = em.temp(build.helper("array", node, batched=build.lit(flag(o.fact))),
                           "stacked")
        r = array_rank(o.fact)
        if rank is None or r is None:
            return None
        if r < rank or node is not o.node:
            new[o.param] = build.expand(node, rank - r)
    return new


def dynamic(site, operands, em):
    """Ranks not known when compiling: `batched.aligned` lines the operands up when
    the code runs (from their actual number of dimensions)."""
    nodes = build.tuple_of([o.node for o in operands])
    flags = build.lit(tuple(int(o.fact.batched) for o in operands))
    tmp = em.temp(build.helper("aligned", nodes, flags), "aligned")
    return {o.param: gast.Subscript(value=tmp, slice=build.lit(i), ctx=gast.Load())
            for i, o in enumerate(operands)}


@policy("elementwise")
class Elementwise(Policy):
    def fact(self, site):
        dtype = site.option("dtype") or ("b" if site.form == "compare" else None)
        if dtype is None and site.fn in DIVISIONS:
            dtype = "f"
        return result_fact(data_operands(site), dtype)

    def emit(self, site, em):
        operands = data_operands(site)
        rank = self.fact(site).rank
        new = aligned(operands, rank, em)
        if new is None:
            new = dynamic(site, operands, em)
        template = site.option("template")
        if template is not None:
            values = {p.name: _default(p) for p in site.params if p.default is not None}
            values.update({o.param: o.node for o in site.operands})
            values.update(new)
            return build.code(template, **values)
        return rebuild(site, new)


def _default(param):
    from ...codegen.template import parsed
    return parsed(param.default)


@policy("same")
class Same(Policy):
    """The call is written unchanged and the result has the fact of one operand
    (`option`: which; default the first): np.zeros_like(x), x.copy(), np.float64(x)."""

    def fact(self, site):
        param = site.option("like") or site.operands[0].param
        f = site.fact(param)
        dtype = site.option("dtype")
        return Fact(batched=f.batched, rank=f.rank, dtype=dtype or f.dtype) \
            if f.kind == "array" else f

    def emit(self, site, em):
        return rebuild(site, {})


@policy("identity")
class Identity(Policy):
    """`x is None`: a batched value is an array, never None; written unchanged."""

    def fact(self, site):
        return Fact(dtype="b")

    def emit(self, site, em):
        return rebuild(site, {})


@policy("contains")
class Contains(Policy):
    """`a in b` (`type(x) in rt.NUMBERS`): folded when both sides are known when
    compiling; a membership test of a batched value is refused."""

    def fact(self, site):
        a, b = site.fact("a"), site.fact("b")
        if a.const and b.const:
            try:
                found = a.const[0] in b.const[0]
            except TypeError:
                found = None
            if found is not None:
                negate = site.fn is gast.NotIn
                return Fact(dtype="b", const=(bool(found) != negate,))
        return Fact(batched=site.batched, dtype="b")

    def emit(self, site, em):
        f = self.fact(site)
        if f.const:
            return build.lit(f.const[0])
        em.refuse("a membership test (`in`) of a value that differs between examples",
                  "")


@policy("typeof")
class TypeOf(Policy):
    """type(x): a batched value is an array (its code path is the arrays one)."""

    def fact(self, site):
        import numpy as np
        x = site.operands[0].fact
        return Fact(rank=None, kind="other", const=(np.ndarray,) if x.batched else ())

    def emit(self, site, em):
        return rebuild(site, {})


@policy("arrays_test")
class ArraysTest(Policy):
    """rt.numbers(...), rt.vectors(...): whether a fast path for Python numbers
    applies; never for batched values (the arrays path computes the same)."""

    def fact(self, site):
        if site.batched:
            return Fact(dtype="b", const=(False,))
        return Fact(dtype="b")

    def emit(self, site, em):
        return build.lit(False)
