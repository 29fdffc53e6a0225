"""Policies for the adjoints generated gradients compute with runtime helpers whose
batching needs more than lifting and shifting axes: contractions, norms, pieces of a
list, the sum of a list, item reads and writes.

    ba = rt.inner_ga(g, a, b)             # g, b batched vectors
    ba = np.einsum('zs,zs->z', g, b) ...  # the contraction, with a batch letter
"""
from __future__ import annotations

from .. import build
from ..facts import Fact, container
from . import Policy, policy, rebuild
from .elementwise import array_rank
from .helpers import on_example, value_batched
from .indexing import _flags, _item_fact, index_rank
from .products import Tensordot, _ranks, einsum_call
from .reductions import lift_operands, shifted, static_or_default


@policy("contraction_grad")
class ContractionGrad(Policy):
    """rt.inner_ga / rt.tensordot_gb, ...: the adjoint of a contraction in one slot is
    another contraction, written as np.einsum with the batch letter."""

    def _subs(self, site):
        ra, rb = _ranks(site, "a", "b")
        if ra is None or rb is None:
            return None
        if site.fn.__name__.startswith("inner"):
            if 0 in (ra, rb):
                return "scalar"
            la, lb = "abcdefgh"[:ra - 1] + "s", "ijklmnop"[:rb - 1] + "s"
            return la, lb, la[:-1] + lb[:-1]
        return Tensordot()._subs(site)

    def fact(self, site):
        slot = site.option("slot")
        return Fact(batched=value_batched(site), rank=array_rank(site.fact(slot)))

    def emit(self, site, em):
        if not value_batched(site):
            return on_example(site)
        slot = site.option("slot")
        subs = self._subs(site)
        if subs is None:
            em.refuse(f"{site.name} of values whose dimensions are not known", "")
        flags = build.lit(tuple(int(site.fact(p).batched) for p in ("v", "a", "b")))
        if subs == "scalar":  # a product by a number: as np.dot's
            return build.helper("dot_" + site.fn.__name__[-2:], site.op("v").node,
                                site.op("a").node, site.op("b").node, batched=flags)
        la, lb, out = subs
        if slot == "a":
            return einsum_call([(out, site.op("v")), (lb, site.op("b"))], la)
        return einsum_call([(la, site.op("a")), (out, site.op("v"))], lb)


@policy("norm_grad")
class NormGrad(Policy):
    """rt.norm_grad(v, x, ans_, ord, axis, keepdims): axis=None is every axis of one
    example (a matrix norm for a matrix and an ord), flattened beyond two."""

    def fact(self, site):
        return Fact(batched=site.batched, rank=array_rank(site.fact("x")))

    def emit(self, site, em):
        new = lift_operands(site, em, ("v", "x", "ans_"))
        x = site.op("x")
        r = array_rank(x.fact)
        vector = site.fn.__name__ == "vector_norm_grad"
        if static_or_default(site, "axis") is None:
            if r is None:
                em.refuse(f"{site.name} of a value whose dimensions are not known", "")
            if r <= 2 and not vector:
                new["axis"] = build.lit((1,) if r == 1 else (1, 2))
                return rebuild(site, new)
            lifted = new.get("x", x.node)
            flat = {"x": build.code("np.reshape(x, (B, -1))", x=lifted, B=em.batch_size()),
                    "axis": build.lit(1), "keepdims": build.lit(False)}
            for p in ("v", "ans_"):  # one number per example (kept dims or not)
                flat[p] = build.code("np.reshape(v, (B,))", v=new.get(p, site.op(p).node),
                                     B=em.batch_size())
            out = rebuild(site, {**new, **flat})
            return build.code("np.reshape(r, np.shape(x))", r=out, x=lifted)
        new["axis"] = shifted(site, "axis", em, r)
        return rebuild(site, new)


@policy("sum_list_grad")
class SumListGrad(Policy):
    """rt.sum_list_grad(v, xs): v for every item of xs (of an array: every row)."""

    def fact(self, site):
        v, xs = site.fact("v"), site.fact("xs")
        if xs.kind == "array":
            return Fact(batched=v.batched, rank=xs.rank)
        if xs.items is not None:
            return container("list", [Fact(batched=v.batched, rank=i.rank)
                                      for i in xs.items])
        elem = xs.elem or Fact(rank=None)
        return Fact(batched=v.batched, rank=None, kind="list",
                    elem=Fact(batched=v.batched, rank=elem.rank))

    def emit(self, site, em):
        v, xs = site.op("v"), site.op("xs")
        if not v.fact.batched:
            return on_example(site)
        flags = tuple(int(i.batched) for i in xs.fact.items) if xs.fact.items \
            is not None else int(xs.fact.batched)
        return build.helper("sum_list_grad", v.node, xs.node,
                            batched=build.lit((1, flags)))


@policy("pieces")
class Pieces(Policy):
    """rt.concatenate_grad(v, arrays, axis), rt.unstack(v, axis, n): a list of
    pieces of `v` (`batched.<name>` cuts each example)."""

    def fact(self, site):
        v = site.fact("v")
        like = site.option("like")
        if like is not None:
            arrays = site.fact(like)
            items = [Fact(batched=v.batched, rank=i.rank) for i in arrays.items or ()]
            if arrays.items is not None:
                return container("list", items)
            elem = arrays.elem or Fact(rank=None)
            return Fact(batched=site.batched, rank=None, kind="list",
                        elem=Fact(batched=site.batched, rank=elem.rank))
        rank = None if v.rank is None else v.rank - 1
        return Fact(batched=site.batched, rank=None, kind="list",
                    elem=Fact(batched=site.batched, rank=rank))

    def emit(self, site, em):
        if not site.fact("v").batched:
            return on_example(site)
        like = site.option("like")
        flags = ()
        if like is not None:
            arrays = site.fact(like)
            flags = tuple(int(i.batched) for i in arrays.items) if arrays.items \
                is not None else int(bool(arrays.elem and arrays.elem.batched))
        args = [o.node for o in site.operands]
        return build.helper(site.fn.__name__, *args, batched=build.lit(flags))


@policy("item")
class Item(Policy):
    """rt.item(x, index): `x[index]`, copied (saved before a write into x)."""

    def fact(self, site):
        x, parts = site.fact("x"), [site.op("index")]
        if x.kind != "array":
            return _item_fact(x, parts)
        return Fact(batched=site.batched, rank=index_rank(x.rank, parts), dtype=x.dtype)

    def emit(self, site, em):
        flags = _flags(site.op("x"), [site.op("index")])
        return build.helper("item", site.op("x").node, site.op("index").node,
                            batched=flags)


@policy("item_grad")
class ItemGrad(Policy):
    """rt.item_grad(v, index, like): the adjoint of the value written by
    `y[index] = like`: v at index, summed to like's shape."""

    def fact(self, site):
        like = site.fact("like")
        return Fact(batched=site.fact("v").batched or site.fact("index").batched,
                    rank=like.rank if like.kind == "array" else None)

    def emit(self, site, em):
        if not (site.fact("v").batched or site.fact("index").batched):
            return on_example(site)
        flags = build.lit(tuple(int(site.fact(p).batched) for p in ("v", "index", "like")))
        return build.helper("item_grad", site.op("v").node, site.op("index").node,
                            site.op("like").node, batched=flags)
