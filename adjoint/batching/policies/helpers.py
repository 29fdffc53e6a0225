"""The runtime helpers generated gradients call (`rt.unbroadcast`, `rt.sum_grad`, ...).

Most take the adjoint `v` first and read the others only for their shapes (`shape`
option) or along axes (`axes`): `like` lifts what is unbatched, shifts the axes and
calls the helper itself; `helper` calls `batched.<name>` (adjoint/batching/runtime.py)
with flags saying which operands are batched. When only shape operands are batched,
the result is the same for every example: the helper runs once, on one example.

    bt2_sq = rt.sum_grad(bsum_t2_sq, t2_sq)      # bsum batched (B,), t2_sq (B, n)
    bt2_sq = rt.sum_grad(bsum_t2_sq, t2_sq, (1,))
    b = rt.sum_grad(1.0, t2_sq)                  # only the shape is batched
    b = rt.sum_grad(1.0, batched.example(t2_sq))
"""
from __future__ import annotations

from .. import build
from ..facts import Fact, NUMBER, container, mirror
from . import Policy, policy, rebuild
from .products import _einsum_output
from .reductions import NO, array_rank, lift_operands, rank_of, shifted, static_or_default


def shape_params(site):
    return set(site.option("shape", ()))


def value_batched(site) -> bool:
    """Whether an operand read for its value (not only its shape) is batched."""
    shapes = shape_params(site)
    return any(o.fact.batched for o in site.operands if o.param not in shapes)


def on_example(site):
    """The call with each batched shape operand replaced by one example of it."""
    new = {}
    for o in site.operands:
        if o.fact.batched:
            flags = flag(o.fact)
            new[o.param] = build.helper("example", o.node) if flags == 1 else \
                build.helper("example", o.node, build.lit(flags))
    return rebuild(site, new)


def in_order(site):
    """The operands in the order of the signature, the defaults of the parameters not
    passed filled in up to the last one passed; and their batched flags."""
    from ...codegen.template import parsed
    given = {o.param: o for o in site.operands}
    last = max((k for k, p in enumerate(site.params) if p.name in given), default=-1)
    args, flags = [], []
    for p in site.params[:last + 1]:
        o = given.get(p.name)
        if o is not None:
            args.append(o.node)
            flags.append(flag(o.fact))
        else:
            args.append(parsed(p.default if p.default is not None else "None"))
            flags.append(0)
    return args, tuple(flags)


def flag(f):
    """A value's batched flag for the runtime: 0/1, or a tuple for a container."""
    if f.kind in ("list", "tuple") and f.items is not None:
        return tuple(flag(i) for i in f.items)
    return int(f.batched)


@policy("like")
class Like(Policy):
    def fact(self, site):
        return Fact(batched=value_batched(site), rank=rank_of(site, site.option("rank", "")))

    def emit(self, site, em):
        if not value_batched(site):
            return on_example(site)
        new = lift_operands(site, em, site.option("lift"))
        data = site.option("data") or site.operands[0].param
        for param in site.option("axes", ()):
            value = static_or_default(site, param)
            if site.op(param) is None and isinstance(value, int) and value < 0:
                continue
            if value is None and site.option("none") == "first":  # (already flat)
                new[param] = build.lit(1)
                continue
            if value is None and site.option("none") == "flat":
                shape_of = site.option("reshape")
                like = new.get(shape_of, site.op(shape_of).node) if shape_of else None
                for p in site.option("flat", ()):
                    node = new.get(p, site.op(p).node)
                    new[p] = build.code("np.reshape(x, (B, -1))", x=node,
                                        B=em.batch_size())
                new[param] = build.lit(1)
                if shape_of:
                    return build.code("np.reshape(r, np.shape(a))", r=rebuild(site, new),
                                      a=like)
                continue
            axis = shifted(site, param, em, array_rank(site.fact(data)))
            if axis is NO:
                axis = build.helper("rest_axes", site.op(data).node)
            new[param] = axis
        return rebuild(site, new)


@policy("helper")
class Helper(Policy):
    """`batched.<name>(operands..., batched=flags)`; `rank` as for the `axes` policy,
    `results`: the number of results of a tuple, `name`: the helper's name."""

    def fact(self, site):
        n = site.option("results")
        batched = value_batched(site)
        like = site.fact(site.option("rank", "")) if site.option("rank") in \
            [o.param for o in site.operands] else None
        if like is not None and like.kind in ("list", "tuple"):
            return mirror(like, batched)
        f = Fact(batched=batched, rank=rank_of(site, site.option("rank", "")))
        return container("tuple", [f] * n) if n else f

    def emit(self, site, em):
        if not value_batched(site):
            return on_example(site)
        name = site.option("name") or site.fn.__name__
        args, flags = in_order(site)
        return build.helper(name, *args, batched=build.lit(flags))


@policy("seed")
class Seed(Policy):
    """rt.seed(ans, grad_out, ...): the seed is grad_out, or 1.0 for a number; it is
    the same for every example unless grad_out is batched."""

    def fact(self, site):
        g = site.fact("grad_out")
        return NUMBER if g.kind == "none" else g

    def emit(self, site, em):
        if site.fact("grad_out").batched:
            em.refuse("a batched incoming gradient (grad_out)",
                      "pass grad_out unbatched (the same for every example)")
        return on_example(site)


@policy("shapes")
class Shapes(Policy):
    """rt.shapes(a, b, ...): each value's shape (a batched shape keeps its batch)."""

    def fact(self, site):
        values = site.operands[0].fact
        items = values.items or ()
        return container("tuple", [Fact(batched=i.batched, rank=i.rank, dtype=i.dtype)
                                   for i in items])

    def emit(self, site, em):
        return rebuild(site, {})


@policy("einsum_grad")
class EinsumGrad(Policy):
    """rt.einsum_ga(v, subscripts, a, b, ...) and the like: every operand is lifted to
    the batch and the subscripts get a batch letter."""

    def fact(self, site):
        rank = rank_of(site, site.option("rank", ""))
        return Fact(batched=site.batched, rank=rank)

    def emit(self, site, em):
        spec = site.static("subscripts")
        if not isinstance(spec, str):
            em.refuse(f"{site.name} with subscripts that are not a literal", "")
        ins = spec.replace(" ", "").split("->")[0].split(",")
        out = _einsum_output(spec)
        used = set(spec)
        z = next(c for c in "zyxwvutsrqponmlkjihgfedcba" if c not in used)
        text = ",".join(z + s for s in ins) + "->" + z + out
        new = {o.param: build.helper("lift", o.node, em.batch_size())
               for o in site.operands if o.param not in ("subscripts",)
               and o.fact.kind == "array" and not o.fact.batched and not o.fact.number}
        new["subscripts"] = build.lit(text)
        return rebuild(site, new)
