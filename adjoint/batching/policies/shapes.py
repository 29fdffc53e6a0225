"""Shape functions and constructors: the batch axis is added to shapes and lists.

    y = np.reshape(x, (2, 6))       # x batched
    y = np.reshape(x, (_B, 2, 6))
    s = np.stack([a, b])            # a batched, b not
    s = batched.stack([a, b], 0, batched=(1, 0))
"""
from __future__ import annotations

from .. import build
from ..facts import Fact, container
from ..sites import NO
from . import Policy, call_as, policy, rebuild
from .helpers import flag
from .elementwise import aligned, array_rank, result_fact
from .reductions import rank_of, shifted, static_or_default


def shape_length(site, param):
    """The number of entries of a shape argument (an int is one), or None."""
    value = static_or_default(site, param)
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], tuple):
        value = value[0]  # x.reshape((2, 6)) as x.reshape(2, 6)
    if isinstance(value, int):
        return 1
    if isinstance(value, tuple):
        return len(value)
    f = site.fact(param)
    if f.kind == "array" and f.rank == 0:
        return 1
    if f.kind in ("tuple", "list") and f.items is not None:
        if len(f.items) == 1 and f.items[0].kind == "tuple" and f.items[0].items is not None:
            return len(f.items[0].items)
        if all(i.kind == "array" and i.rank == 0 for i in f.items):
            return len(f.items)
    return None


def with_batch(site, param, em):
    """`(_B,) + shape` for a shape argument, written out when it is a literal."""
    value = static_or_default(site, param)
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], tuple):
        value = value[0]
    if isinstance(value, int):
        value = (value,)
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return build.tuple_of([em.batch_size()] + [build.lit(v) for v in value])
    return build.helper("batch_shape", em.batch_size(), site.op(param).node)


def refuse_batched(site, em, *params):
    for p in params:
        if site.fact(p).batched:
            em.refuse(f"{site.name} with a {p} that differs between examples",
                      "every example must have the same shape")


@policy("reshape")
class Reshape(Policy):
    def fact(self, site):
        x = site.operands[0].fact
        param = site.option("shape", "shape")
        rank = 1 if site.option("flat") else shape_length(site, param)
        return Fact(batched=x.batched, rank=rank, dtype=x.dtype)

    def emit(self, site, em):
        x = site.operands[0]
        if site.option("flat"):
            return build.code("np.reshape(x, (B, -1))", x=x.node, B=em.batch_size())
        param = site.option("shape", "shape")
        refuse_batched(site, em, param)
        return build.code("np.reshape(x, s)", x=x.node, s=with_batch(site, param, em))


@policy("create")
class Create(Policy):
    """np.zeros(shape), np.ones, np.eye(n), ...: the same for every example (a shape
    that differs between examples is refused). `rank`: a number, else the length of
    the `shape` parameter."""

    def fact(self, site):
        rank = site.option("rank")
        if rank is None:
            rank = shape_length(site, site.option("shape", "shape"))
        return Fact(rank=rank, dtype=site.option("dtype", "f"))

    def emit(self, site, em):
        em.refuse(f"{site.name} of a size that differs between examples",
                  "every example must have the same shape")


@policy("transpose")
class Transpose(Policy):
    def fact(self, site):
        x = site.operands[0].fact
        return Fact(batched=x.batched, rank=x.rank, dtype=x.dtype)

    def emit(self, site, em):
        x = site.operands[0]
        axes = static_or_default(site, "axes")
        if isinstance(axes, tuple) and len(axes) == 1 and isinstance(axes[0], tuple):
            axes = axes[0]
        if axes in (None, ()):
            r = x.fact.rank
            if r is None:
                return build.helper("transpose", x.node)
            axes = tuple(range(r - 1, -1, -1))
        if axes is NO or not all(isinstance(a, int) for a in axes):
            return build.helper("transpose", x.node, site.op("axes").node)
        new = (0,) + tuple(a + 1 if a >= 0 else a for a in axes)
        return build.code("np.transpose(x, a)", x=x.node, a=build.lit(new))


@policy("rewrite")
class Rewrite(Policy):
    """A different call for the batch, from a template over the operands' names
    (np.flipud(m) -> np.flip(m, 1)); `rank` as for the `axes` policy."""

    def fact(self, site):
        f = site.operands[0].fact
        return Fact(batched=site.batched, rank=rank_of(site, site.option("rank", "")),
                    dtype=f.dtype)

    def emit(self, site, em):
        values = {o.param: o.node for o in site.operands}
        values["B"] = em.batch_size()
        return build.code(site.option("template"), **values)


@policy("join")
class Join(Policy):
    """np.stack / np.concatenate / np.vstack / np.hstack of a list of arrays: the
    unbatched ones are lifted to the batch, the axis shifted (`batched.<name>`)."""

    def fact(self, site):
        arrays = site.operands[0].fact
        item = arrays.elem if arrays.elem is not None else Fact(rank=None)
        r = array_rank(item)
        name = site.option("name")
        axis = static_or_default(site, "axis") if site.op("axis") is not None or any(
            p.name == "axis" for p in site.params) else 0
        if r is None:
            rank = None
        elif name == "stack":
            rank = r + 1
        elif name == "concatenate":
            rank = 1 if axis is None else max(r, 1)
        elif name == "vstack":
            rank = max(r, 2)
        else:  # hstack
            rank = max(r, 1)
        return Fact(batched=arrays.batched, rank=rank, dtype=item.dtype)

    def emit(self, site, em):
        arrays = site.operands[0]
        flags = _item_flags(arrays.fact)
        args = [arrays.node]
        if site.op("axis") is not None or site.option("name") in ("stack", "concatenate"):
            value = static_or_default(site, "axis")
            args.append(site.op("axis").node if site.op("axis") is not None
                        else build.lit(value))
        return build.helper(site.option("name"), *args, batched=flags)


def _item_flags(f):
    if f.items is not None:
        return build.lit(tuple(int(i.batched) for i in f.items))
    return build.lit(bool(f.elem is not None and f.elem.batched))


@policy("split")
class Split(Policy):
    def fact(self, site):
        x = site.operands[0].fact
        item = Fact(batched=x.batched, rank=x.rank, dtype=x.dtype)
        n = static_or_default(site, "indices_or_sections")
        count = n if isinstance(n, int) else len(n) + 1 if isinstance(n, tuple) else None
        if count is not None:
            return container("list", [item] * count)
        return Fact(batched=x.batched, rank=None, kind="list", elem=item)

    def emit(self, site, em):
        refuse_batched(site, em, "indices_or_sections")
        axis = shifted(site, "axis", em, site.operands[0].fact.rank)
        return rebuild(site, {"axis": axis})


@policy("asarray")
class AsArray(Policy):
    """np.array / np.asarray: a list of batched values is stacked on axis 1."""

    def fact(self, site):
        x = site.operands[0].fact
        return Fact(batched=x.batched, rank=array_rank(x), dtype=x.dtype, const=x.const)

    def emit(self, site, em):
        x = site.operands[0]
        if x.fact.kind in ("list", "tuple"):
            return rebuild(site, {x.param: build.helper("array", x.node,
                                                        batched=build.lit(flag(x.fact)))})
        return rebuild(site, {})


@policy("len")
class Len(Policy):
    def fact(self, site):
        return Fact(dtype="i")

    def emit(self, site, em):
        x = site.operands[0]
        if x.fact.kind == "array":
            return build.code("x.shape[1]", x=x.node)
        return rebuild(site, {})


@policy("pysum")
class PySum(Policy):
    """sum(xs): of a list, the items' sum; of a batched array, its first axis'."""

    def fact(self, site):
        xs = site.operands[0].fact
        if xs.kind == "array":
            r = xs.rank
            return Fact(batched=site.batched, rank=None if r is None else max(r - 1, 0))
        item = xs.elem or Fact(rank=None)
        return Fact(batched=site.batched, rank=item.rank, dtype=item.dtype)

    def emit(self, site, em):
        xs = site.operands[0]
        if xs.fact.kind == "array":
            return build.code("np.sum(x, axis=1)", x=xs.node)
        if xs.fact.items is not None and len({i.rank for i in xs.fact.items}) > 1:
            em.refuse("sum() of values of different ranks", "add them with +")
        return rebuild(site, {})


@policy("full")
class Full(Policy):
    def fact(self, site):
        f = site.fact("fill_value")
        return Fact(batched=f.batched, rank=shape_length(site, "shape"), dtype=f.dtype)

    def emit(self, site, em):
        refuse_batched(site, em, "shape")
        r = shape_length(site, "shape")
        fill = site.op("fill_value")
        node = build.expand(fill.node, r - fill.fact.rank) if r is not None \
            and fill.fact.rank is not None else fill.node
        return rebuild(site, {"shape": with_batch(site, "shape", em), "fill_value": node})


@policy("full_like")
class FullLike(Policy):
    def fact(self, site):
        a = site.fact("a")
        return Fact(batched=site.batched, rank=a.rank, dtype=a.dtype)

    def emit(self, site, em):
        a, fill = site.op("a"), site.op("fill_value")
        new = aligned([fill], a.fact.rank, em) or {}
        if not a.fact.batched:
            new["a"] = build.helper("lift", a.node, em.batch_size())
        return rebuild(site, new)


@policy("linspace")
class Linspace(Policy):
    def _ops(self, site):
        return [o for o in (site.op("start"), site.op("stop"), site.op("base"))
                if o is not None]

    def fact(self, site):
        f = result_fact(self._ops(site))
        rank = None if f.rank is None else f.rank + 1
        one = Fact(batched=f.batched, rank=rank, dtype="f")
        if static_or_default(site, "retstep") is True:
            return container("tuple", [one, Fact(batched=f.batched, rank=f.rank)])
        return one

    def emit(self, site, em):
        ops = self._ops(site)
        rank = result_fact(ops).rank
        new = aligned(ops, rank, em)
        if new is None:
            em.refuse("np.linspace of values whose dimensions are not known", "")
        new["axis"] = shifted(site, "axis", em, rank)
        return call_as(site, "np." + site.fn.__name__, new)


@policy("roll")
class Roll(Policy):
    """np.roll(a, shift, axis): axis=None rolls one example flattened."""

    def fact(self, site):
        a = site.fact("a")
        return Fact(batched=a.batched, rank=a.rank, dtype=a.dtype)

    def emit(self, site, em):
        refuse_batched(site, em, "shift")
        a = site.op("a")
        if static_or_default(site, "axis") is None:
            flat = build.code("np.reshape(a, (B, -1))", a=a.node, B=em.batch_size())
            rolled = rebuild(site, {"a": flat, "axis": build.lit(1)})
            return build.code("np.reshape(r, np.shape(a))", r=rolled, a=a.node)
        return rebuild(site, {"axis": shifted(site, "axis", em, a.fact.rank)})
