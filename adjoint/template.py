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


@functools.lru_cache(maxsize=None)
def _parse(text: str):
    return gast.parse(text, mode="eval").body


class _Fill(gast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Subscript(self, node):
        node.value = self.visit(node.value)
        if isinstance(node.slice, gast.Name) and node.slice.id in self.mapping:
            node.slice = ir.clone(self.mapping[node.slice.id])  # x[index] stays
        else:
            node.slice = self.visit(node.slice)
        return node

    def visit_Name(self, node):
        if node.id in self.mapping:
            value = ir.clone(self.mapping[node.id])
            return as_value(value) if _has_slice(value) else value
        return node


def _has_slice(node) -> bool:
    return isinstance(node, gast.Slice) or (
        isinstance(node, gast.Tuple) and any(isinstance(e, gast.Slice) for e in node.elts))


def as_value(index):
    """An index with slices, usable as a value: `np.s_[1:3, None]`."""
    s_ = gast.Attribute(value=gast.Name(id="np", ctx=gast.Load(), annotation=None,
                                        type_comment=None), attr="s_", ctx=gast.Load())
    return gast.Subscript(value=s_, slice=index, ctx=gast.Load())


class _Simplify(gast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if _num(left) and _num(right) and type(node.op) in FOLD:
            return gast.Constant(value=FOLD[type(node.op)](left.value, right.value),
                                 kind=None)
        if isinstance(node.op, gast.Pow) and _num(right) and right.value == 1:
            return left
        if isinstance(node.op, gast.Mult):
            if _num(right) and right.value == 1:
                return left
            if _num(left) and left.value == 1:
                return right
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        fn = _runtime_function(node.func)
        if fn is not None and not node.keywords:
            params = list(inspect.signature(fn).parameters.values())
            while node.args and len(node.args) <= len(params):
                p, a = params[len(node.args) - 1], node.args[-1]
                if p.default is inspect.Parameter.empty or not isinstance(a, gast.Constant) \
                        or a.value is not p.default and a.value != p.default \
                        or type(a.value) is not type(p.default):
                    break
                node.args.pop()
        return node


def _num(node) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _runtime_function(func):
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
            and func.value.id == "rt":
        from . import runtime
        return getattr(runtime, func.attr, None)
    return None


def instantiate(text: str, mapping: dict) -> gast.expr:
    tree = _Fill(mapping).visit(ir.clone(_parse(text)))
    return _Simplify().visit(tree)


def names_in(node) -> set[str]:
    """Every name a tree mentions (a plain recursive walk: faster than ast.walk)."""
    found = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(n)
        elif isinstance(n, gast.Name):
            found.add(n.id)
        elif isinstance(n, gast.AST):
            stack.extend(getattr(n, f) for f in n._fields)
    return found
