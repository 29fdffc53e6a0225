"""Primitives that take axes: reductions (`reduce`) and the rest (`axes`).

An axis `k >= 0` of one example is axis `k + 1` of the batch; a negative axis counts
from the end and stays; `axis=None` means every axis of one example (a reduction
over `(1, ..., rank)`), or, for functions that flatten (`np.cumsum(x)`,
`np.argmax(x)`, `np.sort(x, axis=None)`), one flattened axis per example.

    s = np.sum(x)                 # x: batched rank 2
    s = np.sum(x, axis=(1, 2))
    c = np.cumsum(x)
    c = np.cumsum(np.reshape(x, (_B, -1)), axis=1)
"""
from __future__ import annotations

from .. import build
from ..facts import Fact
from ..sites import NO
from . import Policy, policy, rebuild
from .elementwise import array_rank


def static_or_default(site, param):
    """The value of a parameter as the source gives it, its default when it is not
    passed, or NO when it is a variable."""
    o = site.op(param)
    if o is not None:
        return o.static
    for p in site.params:
        if p.name == param:
            return _literal(p.default)
    return None


def _literal(text):
    import ast
    if text is None:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return NO


def axis_count(site, param):
    """How many axes a (possibly variable) axis argument names: 1 for an int, the
    length of a tuple, None when not known; "none" for None."""
    value = static_or_default(site, param)
    if value is None:
        return "none"
    if isinstance(value, int):
        return 1
    if isinstance(value, tuple):
        return len(value)
    f = site.fact(param)
    if f.kind == "array" and f.rank == 0 and not f.batched:
        return 1
    if f.kind == "tuple" and f.items is not None:
        return len(f.items)
    return None


def shifted(site, param, em, rank, none="all"):
    """The axis argument for the batch: k -> k + 1 (k >= 0), negatives unchanged;
    None -> (1, ..., rank) with none="all" (None when the rank is not known and the
    helper must compute it)."""
    value = static_or_default(site, param)
    if value is None:
        if none != "all":
            return None
        if rank is None:
            return NO
        return build.lit(1 if rank == 1 else tuple(range(1, rank + 1)))
    if isinstance(value, int) and not isinstance(value, bool):
        return build.lit(value + 1 if value >= 0 else value)
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return build.lit(tuple(v + 1 if v >= 0 else v for v in value))
    return build.helper("shift_axes", site.op(param).node)


def data_param(site):
    return site.option("data") or site.operands[0].param


@policy("reduce")
class Reduce(Policy):
    """Reductions and scans along `axis` (options: `none="flat"` for functions that
    flatten when axis is None, `keeps=True` when the axis stays (cumsum), `dtype`)."""

    def fact(self, site):
        x = site.fact(data_param(site))
        r = array_rank(x)
        n = axis_count(site, site.option("axis", "axis"))
        keepdims = static_or_default(site, "keepdims") if any(
            p.name == "keepdims" for p in site.params) else False
        keeps = site.option("keeps", False)
        if r is None or n is None or keepdims is NO:
            rank = None
        elif n == "none":
            rank = (1 if site.option("none") == "flat" else r) if keeps else \
                (r if keepdims and site.option("none") != "flat" else 0)
        else:
            rank = r if keeps or keepdims else r - n
        batched = any(o.fact.batched for o in site.operands)
        return Fact(batched=batched, rank=rank, dtype=site.option("dtype") or x.dtype)

    def emit(self, site, em):
        data = data_param(site)
        axis_param = site.option("axis", "axis")
        x = site.op(data)
        values = site.option("values", (data,))
        for o in site.operands:
            if o.fact.batched and o.param not in values:
                em.refuse(f"{site.name} with a batched {o.param}",
                          f"only its {data} argument may differ between examples")
        new = lift_operands(site, em, values)
        rank = array_rank(x.fact)
        none = site.option("none")
        if none == "norm":  # np.linalg.norm: a vector or matrix norm, else flattened
            none = "flat" if rank is None or rank > 2 else "all"
        if static_or_default(site, axis_param) is None and none == "flat":
            flat = build.code("np.reshape(x, (B, -1))", x=new.get(data, x.node),
                              B=em.batch_size())
            return rebuild(site, {**new, data: flat, axis_param: build.lit(1)})
        axis = shifted(site, axis_param, em, rank)
        if axis is NO:
            axis = build.helper("rest_axes", x.node)
        return rebuild(site, {**new, axis_param: axis})


@policy("axes")
class Axes(Policy):
    """A function whose axis parameters (`axes`: their names) count the dimensions
    of one example; every other array operand is lifted to the batch (a view), so
    the function sees operands of one rank. `rank`: the result's rank, as "x"
    (that operand's), "x+1", "x-1", or a number; `none`: what axis=None means."""

    def fact(self, site):
        batched = any(o.fact.batched for o in site.operands)
        spec = site.option("rank", "")
        if site.option("rank_none") and static_or_default(
                site, site.option("axes", ("axis",))[0]) is None:
            spec = site.option("rank_none")
        return Fact(batched=batched, rank=rank_of(site, spec),
                    dtype=site.option("dtype") or site.operands[0].fact.dtype)

    def emit(self, site, em):
        new = lift_operands(site, em, site.option("lift"))
        data = data_param(site)
        for param in site.option("axes", ("axis",)):
            value = static_or_default(site, param)
            if value is None and site.option("none") == "flat":
                node = new.get(data, site.op(data).node)
                new[data] = build.code("np.reshape(x, (B, -1))", x=node, B=em.batch_size())
                new[param] = build.lit(1)
                continue
            if site.op(param) is None and isinstance(value, int) and value < 0:
                continue  # a negative default counts from the end: it stays
            axis = shifted(site, param, em, array_rank(site.fact(data)),
                           site.option("none", "all"))
            if axis is NO:
                axis = build.helper("rest_axes", site.op(data).node)
            if axis is not None:
                new[param] = axis
        return rebuild(site, new)


def rank_of(site, spec):
    """The rank a `rank` option names: a number, or operands' ranks and numbers added
    and subtracted ("x", "x+1", "a-1+indices"); None when one is not known."""
    if isinstance(spec, int):
        return spec
    if not spec:
        return array_rank(site.operands[0].fact)
    if spec in SPECIAL_RANKS:
        try:
            return SPECIAL_RANKS[spec](site)
        except TypeError:  # a rank not known
            return None
    total, sign, term = 0, 1, ""
    for ch in spec + "+":
        if ch in "+-":
            if term.startswith("#"):  # the number of axes a parameter names
                n = axis_count(site, term[1:])
                value = n if isinstance(n, int) else None
            elif term:
                value = int(term) if term.isdigit() else array_rank(site.fact(term))
            if term:
                if value is None:
                    return None
                total += sign * value
            sign, term = (1 if ch == "+" else -1), ""
        else:
            term += ch
    return total


def lift_operands(site, em, names=None) -> dict:
    """Unbatched array operands (of `names`, default every array operand that is not
    an option) as views with the batch axis: the call then sees one rank."""
    from .elementwise import NON_DATA
    new = {}
    for o in site.operands:
        if o.fact.batched or o.fact.kind != "array" or o.node is None:
            continue
        if names is not None and o.param not in names:
            continue
        if names is None and (o.param in NON_DATA or o.param in STRUCTURAL
                              or o.fact.number or o.static is not NO):
            continue
        new[o.param] = build.helper("lift", o.node, em.batch_size())
    return new


# parameters that choose axes, sizes and options rather than carry values
STRUCTURAL = {"axis", "axes", "axis1", "axis2", "keepdims", "out", "dtype", "k", "offset",
              "shape", "ord", "order", "indices_or_sections", "n", "ddof", "returned",
              "subscripts", "source", "destination", "pad_width", "mode", "repeats",
              "shift", "kind", "reps", "num", "endpoint", "retstep", "end", "density",
              "newshape"}


def _r(site, param=None):
    return array_rank(site.operands[0].fact if param is None else site.fact(param))


def _items_max(site, *params):
    ranks = []
    for p in params:
        f = site.fact(p)
        items = f.items if f.kind in ("list", "tuple") else (f,)
        ranks += [array_rank(i) for i in items or ()]
    return max(ranks)


def _average(site):
    n = axis_count(site, "axis")
    keepdims = static_or_default(site, "keepdims")
    r = _r(site, "a")
    return r if keepdims is True else 0 if n == "none" else r - n


def _reps(site):
    from .shapes import shape_length
    return max(_r(site, "a"), shape_length(site, "reps"))


# ranks the `rank` option names by a rule of their own
SPECIAL_RANKS = {
    "atleast1": lambda site: max(_r(site), 1),
    "atleast2": lambda site: max(_r(site), 2),
    "atleast3": lambda site: max(_r(site), 3),
    "reps": _reps,
    "diag": lambda site: 2 if _r(site, "v") == 1 else 1,
    "kron": lambda site: max(_r(site, "a"), _r(site, "b")),
    "select": lambda site: _items_max(site, "condlist", "choicelist", "default"),
    "average": _average,
}
