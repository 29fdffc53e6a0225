"""What one normalised right-hand side applies, and to what: a `Site`.

`x = np.sum(a, axis=1)` is the site of `np.sum` with operands x=a (its fact, e.g.
batched rank 2) and axis=1 (a literal, whose value the batching rules may read).
Operators, methods (`a.sum(axis=1)`), indexing (`a[i]`) and attributes (`a.T`) are
sites too, bound to the parameters of the function's rule (rules/registry.py) or,
for functions without one, of its signature.
"""
from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass, field, replace

import gast

from ..analysis.primitives import BINOPS, UNOPS, resolve
from ..codegen import ir
from ..rules.registry import lookup, lookup_attribute, lookup_batch, lookup_method, \
    parse_signature
from .facts import NONE, Fact

NO = object()  # marker: an operand whose value the source does not spell out

COMPARE = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Lt: operator.lt,
           gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
           gast.Is: operator.is_, gast.IsNot: operator.is_not}


@dataclass
class Operand:
    param: str
    node: gast.expr
    fact: Fact
    static: object = NO       # the value, when the source spells it (axis=1, (2, 3))


@dataclass
class Site:
    form: str                  # call, method, binop, unaryop, compare, subscript, attribute
    fn: object                 # the function applied (operator.add, np.sum, ...)
    node: gast.expr            # the right-hand side
    operands: list = field(default_factory=list)
    policy: tuple | None = None  # the registry's batch entry; None: unknown function
    elementwise: bool = False
    name: str = ""
    keywords: set = field(default_factory=set)   # the parameters passed by keyword
    params: tuple = ()         # the signature the operands are bound to
    index: list = field(default_factory=list)    # subscripts: the index's parts

    def op(self, param: str) -> Operand | None:
        for o in self.operands:
            if o.param == param:
                return o
        return None

    def static(self, param: str, default=NO):
        o = self.op(param)
        return default if o is None else o.static

    def fact(self, param: str) -> Fact:
        o = self.op(param)
        return o.fact if o is not None else NONE

    @property
    def batched(self) -> bool:
        return any(o.fact.batched for o in self.operands + self.index)

    def option(self, key: str, default=None):
        for item in (self.policy or ())[1:]:
            if item[0] == key:
                return item[1]
        return default


def static_value(node, source, locals_):
    """The value of a literal (a number, string, None, or tuple of them), or of a
    module-level constant the function reads; NO otherwise."""
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, (gast.Tuple, gast.List)):
        parts = [static_value(e, source, locals_) for e in node.elts]
        return NO if any(p is NO for p in parts) else tuple(parts)
    if isinstance(node, gast.Name) and node.id not in locals_:
        value = source.namespace.get(node.id, NO)
        return value if isinstance(value, (int, float, str, bool, type(None))) else NO
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        v = static_value(node.operand, source, locals_)
        return -v if isinstance(v, (int, float)) else NO
    return NO


class Binder:
    """Makes sites from right-hand sides, given the facts of the names they read."""

    def __init__(self, source, locals_):
        self.source = source
        self.locals = locals_

    def operand(self, param, node, env) -> Operand:
        fact = self.fact_of(node, env)
        static = static_value(node, self.source, self.locals)
        if static is NO and fact.const:  # a local bound to a literal (axes = (0, 1))
            static = fact.const[0]
        return Operand(param, node, fact, static)

    def fact_of(self, node, env) -> Fact:
        from . import facts
        if isinstance(node, gast.Name):
            if node.id in self.locals:
                return env.get(node.id) or facts.UNKNOWN
            return facts.of_value(self.source.namespace.get(node.id)) \
                if node.id in self.source.namespace else facts.UNKNOWN
        if isinstance(node, gast.Constant):
            if isinstance(node.value, (int, float, bool)):
                out = facts.NUMBER if not isinstance(node.value, bool) else Fact(dtype="b")
                if isinstance(node.value, int):
                    out = replace(out, dtype="i" if not isinstance(node.value, bool)
                                  else "b")
                return replace(out, const=(node.value,))
            return replace(facts.of_value(node.value), const=(node.value,))
        if isinstance(node, (gast.Tuple, gast.List)):
            kind = "tuple" if isinstance(node, gast.Tuple) else "list"
            out = facts.container(kind, [self.fact_of(e, env) for e in node.elts])
            value = static_value(node, self.source, self.locals)
            return out if value is NO else replace(out, const=(value,))
        if isinstance(node, gast.Slice):
            return Fact(kind="other", rank=None)
        if isinstance(node, gast.Attribute):  # np.pi, rt.NUMBERS (static references)
            value = resolve(node, self.source.namespace)
            if value is None:
                return facts.UNKNOWN
            try:
                hash(value)
            except TypeError:
                return facts.of_value(value)
            return replace(facts.of_value(value), const=(value,))
        return facts.UNKNOWN

    def index(self, node, env) -> list:
        """The parts of an index (`x[i, 1:n, None]`) as operands; a slice is one
        operand whose fact is batched when a bound is."""
        parts = node.elts if isinstance(node, gast.Tuple) else [node]
        out = []
        for k, part in enumerate(parts):
            if isinstance(part, gast.Slice):
                bounds = [b for b in (part.lower, part.upper, part.step) if b is not None]
                batched = any(self.fact_of(b, env).batched for b in bounds)
                out.append(Operand(f"index{k}", part, Fact(batched=batched, rank=None,
                                                            kind="slice")))
            else:
                out.append(self.operand(f"index{k}", part, env))
        return out

    # ---- sites -------------------------------------------------------------------
    def site(self, value, env) -> Site | None:
        if isinstance(value, gast.BinOp):
            fn = BINOPS[type(value.op)]
            return self._bind(Site("binop", fn, value), [value.left, value.right], [], env)
        if isinstance(value, gast.UnaryOp):
            fn = UNOPS[type(value.op)]
            return self._bind(Site("unaryop", fn, value), [value.operand], [], env)
        if isinstance(value, gast.Compare) and len(value.ops) == 1:
            fn = COMPARE.get(type(value.ops[0]))
            policy = ("elementwise",)
            if fn is None:  # in / not in: a membership test (of a type, a key, ...)
                fn, policy = type(value.ops[0]), ("contains",)
            site = Site("compare", fn, value, policy=policy, elementwise=True,
                        name=ir.unparse(value))
            site.operands = [self.operand("a", value.left, env),
                             self.operand("b", value.comparators[0], env)]
            return site
        if isinstance(value, gast.Subscript):
            site = Site("subscript", operator.getitem, value, policy=("getitem",),
                        name="indexing")
            site.operands = [self.operand("x", value.value, env)]
            site.index = self.index(value.slice, env)
            return site
        if isinstance(value, gast.Attribute):
            return self._attribute(value, env)
        if isinstance(value, gast.Call):
            return self._call(value, env)
        return None

    def _attribute(self, value, env):
        if self._is_global(value):
            return None
        site = Site("attribute", None, value, name=f".{value.attr}")
        site.operands = [self.operand("self", value.value, env)]
        rule = lookup_attribute(value.attr)
        site.policy = ("attribute",)
        site.fn = rule if rule is not None else value.attr
        return site

    def _call(self, value, env):
        func = value.func
        if isinstance(func, gast.Attribute) and not self._is_global(func):
            fn, _ = lookup_method(func.attr)
            if fn is None:
                return None
            return self._bind(Site("method", fn, value), [func.value] + value.args,
                              value.keywords, env)
        fn = resolve(func, self.source.namespace)
        if fn is None:
            return None
        return self._bind(Site("call", fn, value), value.args, value.keywords, env)

    def _bind(self, site, args, keywords, env):
        fn = site.fn
        rule = lookup(fn)
        site.policy = lookup_batch(fn)
        site.elementwise = bool(getattr(rule, "elementwise", False))
        site.name = getattr(rule, "name", None) or getattr(fn, "__name__", repr(fn))
        params = self._params(site, rule)
        if params is None:
            return site  # bound to nothing: only a batched operand makes it an error
        args = list(args)
        bound = []
        for p in params:
            if p.star:
                bound.append((p.name, gast.Tuple(elts=args, ctx=gast.Load())))
                args = []
            elif args:
                bound.append((p.name, args.pop(0)))
        names = {p.name for p in params}
        for kw in keywords:
            if kw.arg not in names or kw.arg in dict(bound):
                return None
            bound.append((kw.arg, kw.value))
        if args:
            return None
        site.operands = [self.operand(p, n, env) for p, n in bound]
        site.keywords = {kw.arg for kw in keywords}
        site.params = params
        return site

    def _params(self, site, rule):
        text = site.option("signature") if site.policy else None
        if text is not None:
            return parse_signature(text)
        if rule is not None and hasattr(rule, "params"):
            return rule.params
        try:
            sig = inspect.signature(site.fn)
        except (TypeError, ValueError):
            return None
        out = []
        for p in sig.parameters.values():
            if p.kind is p.VAR_KEYWORD:
                continue
            default = None if p.default is p.empty else repr(p.default)
            out.append(_param(p.name, default, p.kind is p.VAR_POSITIONAL))
        return tuple(out)

    def _is_global(self, node) -> bool:
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals


def _param(name, default, star):
    from ..rules.registry import Param
    return Param(name, default, star)
