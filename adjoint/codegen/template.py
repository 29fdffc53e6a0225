"""Gradient templates: small Python expressions with names filled in.

`instantiate("g * np.cos(x)", {...})` parses the text once (cached) and returns a
fresh gast expression in which each placeholder name is replaced, then folds the
noise generic templates leave behind (`2 - 1`, `x ** 1`, `g * 1`, default args).
"""
from __future__ import annotations

import functools
import inspect
import operator

import gast

from . import ir

FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul}
COMPARE = {gast.Eq: operator.eq, gast.NotEq: operator.ne}


@functools.lru_cache(maxsize=None)
def _parse(text: str):
    return gast.parse(text, mode="eval").body


def parsed(text: str) -> gast.expr:
    """A fresh expression for `text`: parsed once, then copied (faster than parsing)."""
    return ir.clone(_parse(text))


def _has_slice(node) -> bool:
    return isinstance(node, gast.Slice) or (
        isinstance(node, gast.Tuple) and any(isinstance(e, gast.Slice) for e in node.elts))


def as_value(index):
    """An index with slices, usable as a value: `np.s_[1:3, None]`."""
    s_ = gast.Attribute(value=gast.Name(id="np", ctx=gast.Load(), annotation=None,
                                        type_comment=None), attr="s_", ctx=gast.Load())
    return gast.Subscript(value=s_, slice=index, ctx=gast.Load())


def _fill(node, mapping, slice_position=False):
    """A copy of template `node` with placeholders replaced (one pass, bottom-up),
    folding the noise generic templates leave (`2 - 1`, `x ** 1`, `g * 1`, default
    arguments of rt helpers)."""
    if isinstance(node, list):
        return [_fill(n, mapping) for n in node]
    if not isinstance(node, gast.AST):
        return node
    if isinstance(node, gast.Name) and node.id in mapping:
        value = ir.clone(mapping[node.id])
        return value if slice_position or not _has_slice(value) else as_value(value)
    fields = {}
    for f in node._fields:
        child = getattr(node, f, None)
        fields[f] = _fill(child, mapping, slice_position=isinstance(node, gast.Subscript)
                          and f == "slice")
    new = type(node)(**fields)
    if isinstance(new, gast.BinOp):
        return _fold(new)
    if isinstance(new, gast.Compare) and len(new.ops) == 1 and _num(new.left) \
            and _num(new.comparators[0]) and type(new.ops[0]) in COMPARE:
        # (2 == 0) in `b * a ** (b - 1 + (b == 0))`: 0, so the constant folds away
        return gast.Constant(value=int(COMPARE[type(new.ops[0])](
            new.left.value, new.comparators[0].value)), kind=None)
    if isinstance(new, gast.IfExp) and isinstance(new.test, gast.Constant):
        return new.body if new.test.value else new.orelse  # an option given as constant
    if isinstance(new, gast.Call):
        _drop_defaults(new)
    return new


def _fold(node):
    left, right = node.left, node.right
    if _num(left) and _num(right) and type(node.op) in FOLD:
        return gast.Constant(value=FOLD[type(node.op)](left.value, right.value), kind=None)
    if isinstance(node.op, gast.Pow) and _num(right) and right.value == 1:
        return left
    if isinstance(node.op, gast.Mult):
        if _num(right) and right.value == 1:
            return left
        if _num(left) and left.value == 1:
            return right
    return node


def _drop_defaults(node) -> None:
    """rt.f(g, x, None, False) -> rt.f(g, x) when those are the helper's defaults."""
    fn = _runtime_function(node.func)
    if fn is None or node.keywords:
        return
    params = _params(fn)
    while node.args and len(node.args) <= len(params):
        p, a = params[len(node.args) - 1], node.args[-1]
        if p.default is inspect.Parameter.empty or not isinstance(a, gast.Constant) \
                or a.value is not p.default and a.value != p.default \
                or type(a.value) is not type(p.default):
            break
        node.args.pop()


@functools.lru_cache(maxsize=None)
def _params(fn):
    return list(inspect.signature(fn).parameters.values())


def _num(node) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _runtime_function(func):
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
            and func.value.id == "rt":
        from .. import runtime
        return getattr(runtime, func.attr, None)
    return None


def instantiate(text: str, mapping: dict) -> gast.expr:
    return _fill(_parse(text), mapping)


_LEAVES = ir.LEAVES  # nodes that hold no names: not pushed


def names_in(node) -> set[str]:
    """Every name a tree mentions (a plain stack walk: several times faster than
    ast.walk; the compiler asks this of every statement, often more than once)."""
    found = set()
    stack = [node]
    pop, push, extend, add = stack.pop, stack.append, stack.extend, found.add
    while stack:
        n = pop()
        if type(n) is list:
            extend(n)
        elif isinstance(n, gast.Name):
            add(n.id)
        elif isinstance(n, gast.AST):
            for f in n._fields:
                v = getattr(n, f)
                if type(v) is list:
                    extend(v)
                elif isinstance(v, gast.AST) and not isinstance(v, _LEAVES):
                    push(v)
    return found
