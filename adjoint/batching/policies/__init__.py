"""Batching policies: how one primitive applies to a batch at once.

The rule table names a policy per primitive (rules/batching.py: `batch(np.sum,
"reduce")`); elementwise rules need no entry. A policy answers two questions:

    fact(site)      the result's fact (batched? rank?) from the operands' facts;
                    asked for every call, batched or not (ranks flow everywhere)
    emit(site, em)  the batched expression, when some operand is batched; `em` (the
                    transform) gives the batch size, fresh temporaries and refusals

Batched operands have the batch axis first; unbatched ones keep their shape. Each
module here holds one family: elementwise, reductions, products, indexing, shapes,
helpers (the runtime helpers of generated gradients), adjoints (the helpers that
need more than that).
"""
from __future__ import annotations

import gast

from ...codegen import ir
from ..facts import Fact

POLICIES: dict = {}


def policy(name: str):
    """Class decorator: register one instance under `name`."""
    def register(cls):
        POLICIES[name] = cls()
        cls.name = name
        return cls
    return register


class Policy:
    name = ""

    def fact(self, site) -> Fact:
        raise NotImplementedError

    def emit(self, site, em) -> gast.expr:
        raise NotImplementedError


def policy_of(site) -> Policy | None:
    """The policy of a site: its registry entry, elementwise for an elementwise rule
    without one, None when nothing says how to batch it."""
    if site.policy is None:
        return None
    if site.policy == ():
        return POLICIES["elementwise"] if site.elementwise else None
    return POLICIES[site.policy[0]]


def rebuild(site, new: dict, drop=()) -> gast.expr:
    """The site's expression again, in the form the user wrote it (operator, call,
    method), with the operands in `new` replaced or added (by keyword)."""
    node = site.node
    get = lambda p, default: new.get(p, default)  # noqa: E731
    if site.form == "binop":
        return gast.BinOp(left=get("a", node.left), op=node.op, right=get("b", node.right))
    if site.form == "unaryop":
        return gast.UnaryOp(op=node.op, operand=get("x", node.operand))
    if site.form == "compare":
        return gast.Compare(left=get("a", node.left), ops=node.ops,
                            comparators=[get("b", node.comparators[0])])
    positional, keywords = [], []
    for o in site.operands:
        if o.param in drop:
            continue
        value = get(o.param, o.node)
        if o.param in site.keywords:
            keywords.append(gast.keyword(arg=o.param, value=value))
        elif isinstance(value, gast.Tuple) and _is_star(site, o.param):
            positional.extend(value.elts)
        else:
            positional.append(value)
    bound = {o.param for o in site.operands}
    for p, value in new.items():
        if p not in bound and p not in drop:
            keywords.append(gast.keyword(arg=p, value=value))
    if site.form == "method":
        func = gast.Attribute(value=positional[0], attr=node.func.attr, ctx=gast.Load())
        return gast.Call(func=func, args=positional[1:], keywords=keywords)
    return gast.Call(func=ir.clone(node.func), args=positional, keywords=keywords)


def call_as(site, func: str, new: dict, drop=()) -> gast.expr:
    """The site as a call of `func` (a dotted name), operands in order as positionals
    up to the first keyword: `np.sin(x)` for `math.sin(x)`."""
    positional, keywords = [], []
    for o in site.operands:
        if o.param in drop:
            continue
        value = new.get(o.param, o.node)
        if o.param in site.keywords or keywords:
            keywords.append(gast.keyword(arg=o.param, value=value))
        else:
            positional.append(value)
    bound = {o.param for o in site.operands}
    keywords += [gast.keyword(arg=p, value=v) for p, v in new.items()
                 if p not in bound and p not in drop]
    out = ir.call(func, *positional)
    out.keywords = keywords
    return out


def _is_star(site, param) -> bool:
    return any(p.name == param and p.star for p in site.params)


def _register_families():
    import importlib
    for family in ("elementwise", "reductions", "products", "indexing", "shapes", "helpers",
                   "adjoints"):
        importlib.import_module(f".{family}", __name__)  # each registers its policies


_register_families()
